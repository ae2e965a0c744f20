"""What the staff pages share: the signed-in session, forms, CSRF, page responses.

* :data:`Staff` (a dependency) is the live browser session; without one a page answers 303
  to ``/staff/login?next=<the page>`` (:class:`LoginRequired`, handled in
  :func:`install`). Every POST of a page checks the session's CSRF token (form field
  ``csrf_token`` or header ``X-CSRF-Token``) and answers 403 without it.
* Forms are url-encoded and parsed here (:func:`form_data`), so no multipart parser is
  needed; values come back as plain strings for the pages to validate field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import browser_session, check_csrf
from api.deps import EngineDep, SettingsDep
from gazetteer.model.accounts import User
from gazetteer.services.sessions import StaffSession
from maps.staff import render

LOGIN_URL = "/staff/login"
MAX_FORM_BYTES = 200_000


class LoginRequired(Exception):
    """A staff page was asked for without a live session."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass(frozen=True, slots=True)
class StaffContext:
    session: StaffSession

    @property
    def user(self) -> User:
        return self.session.user

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


def safe_next(raw: str | None) -> str:
    """A local ``/staff`` path to go back to after signing in (never another site)."""
    if raw and raw.startswith("/staff") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/staff/"


async def staff_context(request: Request, engine: EngineDep, settings: SettingsDep) -> StaffContext:
    session = await browser_session(request, engine, settings)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "/staff/")
    await check_csrf(request, session)
    return StaffContext(session)


Staff = Annotated[StaffContext, Depends(staff_context)]


async def form_data(request: Request) -> dict[str, str]:
    """The url-encoded form of a POST (first value of each field)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    # NUL never belongs in a form value (and PostgreSQL refuses it in text)
    return {k: v[0].replace("\x00", "") for k, v in parsed.items()}


def page(
    template: str, ctx: StaffContext | None, *, status: int = 200, **context: object
) -> HTMLResponse:
    """A rendered staff page (``no-store``: pages show personal, changing data)."""
    body = render(
        template,
        user=ctx.user if ctx else None,
        csrf_token=ctx.csrf if ctx else "",
        **context,
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def install(app: FastAPI) -> None:
    """Send unauthenticated page requests to the sign-in page."""

    async def _login_required(request: Request, exc: Exception) -> Response:
        next_url = getattr(exc, "next_url", "/staff/")
        return redirect(f"{LOGIN_URL}?next={quote(next_url, safe='/')}")

    app.add_exception_handler(LoginRequired, _login_required)


__all__ = [
    "LOGIN_URL",
    "LoginRequired",
    "Staff",
    "StaffContext",
    "form_data",
    "install",
    "page",
    "redirect",
    "safe_next",
    "staff_context",
]

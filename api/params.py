"""Query-parameter checks shared by routes: unknown parameters are refused, not ignored."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from gazetteer.errors import InvalidInput


def only_params(request: Request, allowed: Iterable[str]) -> None:
    """400 (``InvalidInput``) when the query string holds a parameter not in ``allowed``."""
    known = set(allowed)
    for name in request.query_params:
        if name not in known:
            raise InvalidInput(
                f"未知的查询参数 (unknown query parameter): {name[:40]!r}; "
                f"allowed: {', '.join(sorted(known))}"
            )


__all__ = ["only_params"]

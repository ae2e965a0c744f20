"""Staff accounts as the rest of the system sees them: roles and the role check.

* ``reviewer`` (审核员): drafts, submits and reviews naming cases, edits data;
* ``approver`` (审批人): approves or rejects cases (never their own submission);
* ``admin`` (管理员): everything, including user management. ``admin`` satisfies every
  role check.

Accounts and tokens are stored and checked by :mod:`gazetteer.services.accounts`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gazetteer.errors import PermissionDenied


class Role(enum.StrEnum):
    REVIEWER = "reviewer"
    APPROVER = "approver"
    ADMIN = "admin"


ROLE_NAMES: dict[Role, str] = {
    Role.REVIEWER: "审核员",
    Role.APPROVER: "审批人",
    Role.ADMIN: "管理员",
}


@dataclass(frozen=True, slots=True)
class User:
    """A staff account as the rest of the system sees it."""

    id: int
    name: str
    roles: frozenset[Role]
    display_name: str = ""
    active: bool = True

    def has_role(self, *roles: Role | str) -> bool:
        """True when the user has any of ``roles`` (admin has every role)."""
        if Role.ADMIN in self.roles:
            return True
        return any(Role(r) in self.roles for r in roles)


def check_role(user: User, *roles: Role | str) -> User:
    """``user`` when it has one of ``roles``; :class:`PermissionDenied` otherwise."""
    if not user.has_role(*roles):
        wanted = "/".join(f"{ROLE_NAMES[Role(r)]} {Role(r).value}" for r in roles)
        raise PermissionDenied(
            f"权限不足：需要角色 {wanted} (permission denied: requires role {wanted})"
        )
    return user


__all__ = ["ROLE_NAMES", "Role", "User", "check_role"]

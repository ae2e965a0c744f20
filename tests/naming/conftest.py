"""Fixtures of the naming tests."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gazetteer.model.accounts import User
from gazetteer.services import accounts as auth


@pytest.fixture
def staff(engine: Engine) -> dict[str, User]:
    """Two reviewers (``rev``, ``rev2``) and an approver (``app``) on the test's database."""
    with engine.begin() as conn:
        return {
            "rev": auth.add_user(conn, "zhang", ["reviewer"]).user,
            "rev2": auth.add_user(conn, "li", ["reviewer"]).user,
            "app": auth.add_user(conn, "wang", ["approver"]).user,
        }

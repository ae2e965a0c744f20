"""Generated requests against a served OpenAPI document (schemathesis with hypothesis),
for the conformance tests: reproducible (derandomised, no example database)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings


def operation_failure(
    operation: Any,
    base: str,
    checks: Sequence[Callable[..., Any]],
    *,
    max_examples: int,
    chars: int,
) -> str | None:
    """Send ``max_examples`` generated requests of a schemathesis ``operation`` to the
    server at ``base`` and run ``checks`` on each answer: the failure (its first ``chars``
    characters, after the operation's label) or None."""

    @hsettings(
        max_examples=max_examples,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy())
    def check(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
        response = case.call(base_url=base, timeout=60)
        case.validate_response(response, checks=list(checks))

    try:
        check()
    except BaseException as exc:  # schemathesis raises a FailureGroup; collect all
        if isinstance(exc, KeyboardInterrupt):
            raise
        return f"{operation.label}: {str(exc)[:chars]}"
    return None

"""Generated requests against a served OpenAPI document (schemathesis with hypothesis),
for the conformance tests: reproducible (derandomised, no example database)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error


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


def server_errors(schema: Any, base: str, max_examples: int) -> tuple[list[str], list[str]]:
    """(every operation's label, the failures): ``max_examples`` generated requests per
    operation of ``schema``, each checked for a 5xx answer."""
    labels: list[str] = []
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        failure = operation_failure(
            operation, base, [not_a_server_error], max_examples=max_examples, chars=600
        )
        if failure is not None:
            failures.append(failure)
    return labels, failures

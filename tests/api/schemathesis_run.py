"""Schemathesis over every operation of a schema, collecting the server errors: shared by
the whole app's test (``/openapi.json``) and the OGC API's (``/ogc/api``)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error


def server_errors(schema: Any, base_url: str, max_examples: int) -> tuple[list[str], list[str]]:
    """(every operation's label, the failures): ``max_examples`` generated requests per
    operation (derandomised, so runs repeat), each checked for a 5xx answer."""
    failures: list[str] = []
    labels: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

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
            response = case.call(base_url=base_url, timeout=60)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            check()
        except BaseException as exc:  # schemathesis raises a FailureGroup; collect all
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    return labels, failures

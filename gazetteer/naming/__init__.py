"""Naming review: the rules of the 2022 Regulation, the case workflow, the audit trail.

Modules: ``rules`` (each rule with id, severity, article and Chinese message), ``words``
(word lists: data files plus staff additions), ``check`` (single and batch checks against
the database), ``model`` (dataclasses and enums).
"""

from gazetteer.naming.check import check_name, check_names
from gazetteer.naming.model import (
    CheckRequest,
    CheckResult,
    Finding,
    PlaceKind,
    Scope,
    Severity,
)
from gazetteer.naming.rules import RULES, Rule

__all__ = [
    "RULES",
    "CheckRequest",
    "CheckResult",
    "Finding",
    "PlaceKind",
    "Rule",
    "Scope",
    "Severity",
    "check_name",
    "check_names",
]

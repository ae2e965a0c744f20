"""Domain objects of the naming review: requests, findings, cases, audit entries."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


class PlaceKind(enum.StrEnum):
    """What is being named; decides the uniqueness scope and the fitting 通名."""

    ROAD = "road"  # 街路巷
    COMPOUND = "compound"  # 居住区 / 住宅小区
    BUILDING = "building"  # 建筑物
    VILLAGE = "village"  # 村/居委会驻地
    TOWN = "town"  # 乡、镇、街道


PLACE_KIND_NAMES: dict[PlaceKind, str] = {
    PlaceKind.ROAD: "道路街巷",
    PlaceKind.COMPOUND: "居住小区",
    PlaceKind.BUILDING: "建筑物",
    PlaceKind.VILLAGE: "村（居）委会驻地",
    PlaceKind.TOWN: "乡镇（街道）",
}


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """A candidate name to check.

    ``exclude_place_id`` / ``exclude_case_id`` leave the place being renamed or adjusted and
    the case itself out of the duplicate and homophone comparisons.
    """

    name: str
    kind: PlaceKind
    admin_code: str
    geometry: BaseGeometry | None = None
    width_m: float | None = None
    grade: str = ""
    exclude_place_id: int | None = None
    exclude_case_id: int | None = None
    # reviewer-granted exceptions (rule id -> reason), as recorded in the case's audit trail
    exceptions: tuple[tuple[str, str], ...] = ()
    # a renaming: the name being replaced (checked against the protection list) and the
    # art. 11 reports recorded on the case ('evaluation', 'expert_review', 'consultation')
    former_name: str = ""
    records: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict, ready to paste into a reply to the applicant."""

    rule: str
    severity: Severity
    article: str
    message: str
    conflicts: tuple[str, ...] = ()  # "place:123" / "case:WH-DM-2024-0001"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "article": self.article,
            "message": self.message,
            "conflicts": list(self.conflicts),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Finding:
        return Finding(
            rule=str(data["rule"]),
            severity=Severity(data["severity"]),
            article=str(data["article"]),
            message=str(data["message"]),
            conflicts=tuple(str(c) for c in data.get("conflicts", ())),
        )


@dataclass(frozen=True, slots=True)
class Scope:
    """A uniqueness scope: a built-up area, a county, or the whole dataset."""

    key: str  # "bua:3" / "county:371002" / "all"
    label: str  # Chinese description for messages
    county_code: str | None = None
    built_up_area_id: int | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    normalized: str
    romanized: str
    specific: str
    generic: str
    pinyin_key: str
    toned_key: str
    scope: Scope
    findings: tuple[Finding, ...]
    # the administrative area the geometry lies in (naming/areas.py), when known
    derived_admin_code: str | None = None

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)


class CaseKind(enum.StrEnum):
    NEW_ROAD = "new_road"  # 道路命名
    RENAME = "rename"  # 更名
    ADJUSTMENT = "adjustment"  # 起止点调整
    COMPOUND = "compound"  # 居住小区命名


CASE_KIND_NAMES: dict[CaseKind, str] = {
    CaseKind.NEW_ROAD: "道路命名",
    CaseKind.RENAME: "地名更名",
    CaseKind.ADJUSTMENT: "道路起止点调整",
    CaseKind.COMPOUND: "居住小区命名",
}


class CaseState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    PUBLIC_CONSULTATION = "public_consultation"
    APPROVED = "approved"
    ANNOUNCED = "announced"
    FILED = "filed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


CASE_STATE_NAMES: dict[CaseState, str] = {
    CaseState.DRAFT: "草稿",
    CaseState.SUBMITTED: "已提交",
    CaseState.UNDER_REVIEW: "审查中",
    CaseState.PUBLIC_CONSULTATION: "公示征求意见",
    CaseState.APPROVED: "已批准",
    CaseState.ANNOUNCED: "已公告",
    CaseState.FILED: "已备案",
    CaseState.REJECTED: "已驳回",
    CaseState.WITHDRAWN: "已撤回",
}

# States whose name is still "in the pipeline": they block a duplicate application.
PENDING_STATES = frozenset(
    {
        CaseState.SUBMITTED,
        CaseState.UNDER_REVIEW,
        CaseState.PUBLIC_CONSULTATION,
    }
)
# States whose name has been granted.
GRANTED_STATES = frozenset({CaseState.APPROVED, CaseState.ANNOUNCED, CaseState.FILED})


@dataclass(slots=True)
class CaseProposal:
    """What an applicant asks for (the editable part of a case)."""

    kind: CaseKind
    name: str
    admin_code: str
    geometry: BaseGeometry | None = None
    place_id: int | None = None  # the place renamed or adjusted
    start_desc: str = ""
    end_desc: str = ""
    length_m: float | None = None
    width_m: float | None = None
    grade: str = ""
    households: int | None = None
    developer: str = ""
    reason: str = ""  # 命名理由 / 含义
    applicant: str = ""


@dataclass(slots=True)
class Case:
    id: int
    number: str
    state: CaseState
    proposal: CaseProposal
    specific: str
    generic: str
    romanized: str
    scope_key: str
    findings: list[Finding] = field(default_factory=list)
    consultation_start: date | None = None
    consultation_end: date | None = None
    approval_no: str | None = None
    approval_date: date | None = None
    approver_authority: str = ""
    announced_on: date | None = None
    filed_on: date | None = None
    notice_due: date | None = None
    filing_due: date | None = None
    notice_text: str = ""
    created_by: int | None = None
    submitted_by: int | None = None
    approved_by: int | None = None
    historic: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1

    @property
    def kind(self) -> CaseKind:
        return self.proposal.kind

    @property
    def name(self) -> str:
        return self.proposal.name


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    user_id: int | None
    user_name: str
    action: str
    case_id: int | None
    place_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class OverdueItem:
    case_id: int
    number: str
    name: str
    state: CaseState
    what: str  # "notice" / "filing"
    due: date
    days_overdue: int

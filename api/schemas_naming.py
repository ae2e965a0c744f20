"""Pydantic I/O models of the naming-review endpoints (``/api/v1/naming``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from api.schemas_base import DomainModel, RequestModel
from gazetteer.errors import InvalidInput
from gazetteer.naming.model import (
    CASE_KIND_NAMES,
    CASE_STATE_NAMES,
    AuditEntry,
    Case,
    CaseKind,
    CaseState,
    CheckResult,
    Finding,
    OverdueItem,
    PlaceKind,
)
from gazetteer.types import INT32_MAX


def to_shape(geojson: dict[str, Any] | None) -> BaseGeometry | None:
    """A shapely geometry from a GeoJSON geometry (or Feature); 400 when malformed."""
    if geojson is None:
        return None
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    try:
        geom = shape(geojson)
    except Exception as exc:
        raise InvalidInput(f"GeoJSON 几何无效 (invalid GeoJSON geometry): {exc}") from None
    if geom.is_empty or not geom.is_valid:
        raise InvalidInput("GeoJSON 几何为空或无效 (empty or invalid geometry)")
    return geom


def from_shape(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    return dict(mapping(geometry)) if geometry is not None and not geometry.is_empty else None


class NameCheckRequest(RequestModel):
    name: str = Field(min_length=1, max_length=60, examples=["文华路"])
    kind: PlaceKind = Field(
        default=PlaceKind.ROAD, description="road/compound/building/village/town"
    )
    admin_code: str = Field(pattern=r"^\d{6,12}$", examples=["371002001000"])
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON, lon/lat")
    width_m: float | None = Field(default=None, gt=0, lt=500)
    grade: str = Field(default="", max_length=20, description="快速路/主干路/次干路/支路")


class FindingPublic(DomainModel):
    rule: str
    severity: Literal["error", "warning"]
    article: str = Field(description="条款 the article applied")
    message: str = Field(description="可直接用于答复的中文意见")
    conflicts: list[str] = Field(description="place:ID or case:NUMBER")

    @classmethod
    def from_domain(cls, f: Finding) -> FindingPublic:
        return cls.copy_of(
            f, severity="error" if f.severity == "error" else "warning", conflicts=list(f.conflicts)
        )


class NameCheckPublic(DomainModel):
    ok: bool
    name: str
    romanized: str
    specific: str = Field(description="专名")
    generic: str = Field(description="通名")
    scope: str = Field(description="比对范围 uniqueness scope")
    findings: list[FindingPublic]
    derived_admin_code: str | None = Field(
        default=None, description="行政区划 derived from the geometry (where areas have polygons)"
    )

    @classmethod
    def from_domain(cls, r: CheckResult) -> NameCheckPublic:
        return cls.copy_of(
            r,
            name=r.normalized,
            scope=r.scope.label,
            findings=[FindingPublic.from_domain(f) for f in r.findings],
        )


class CaseCreate(RequestModel):
    kind: CaseKind
    name: str = Field(default="", max_length=60, description="new name (ignored for adjustment)")
    admin_code: str = Field(default="", pattern=r"^(\d{6,12})?$")
    geometry: dict[str, Any] | None = None
    place_id: int | None = Field(default=None, ge=1, le=INT32_MAX)
    start_desc: str = Field(default="", max_length=200)
    end_desc: str = Field(default="", max_length=200)
    length_m: float | None = Field(default=None, gt=0, lt=200_000)
    width_m: float | None = Field(default=None, gt=0, lt=500)
    grade: str = Field(default="", max_length=20)
    households: int | None = Field(default=None, ge=0, le=1_000_000)
    developer: str = Field(default="", max_length=100)
    reason: str = Field(default="", max_length=2000)
    applicant: str = Field(default="", max_length=100)


class CaseUpdate(RequestModel):
    NOT_NULL = frozenset(
        (
            "name",
            "admin_code",
            "start_desc",
            "end_desc",
            "grade",
            "developer",
            "reason",
            "applicant",
        )
    )
    name: str | None = Field(default=None, max_length=60)
    admin_code: str | None = Field(default=None, pattern=r"^\d{6,12}$")
    geometry: dict[str, Any] | None = None
    place_id: int | None = Field(default=None, ge=1, le=INT32_MAX)
    start_desc: str | None = Field(default=None, max_length=200)
    end_desc: str | None = Field(default=None, max_length=200)
    length_m: float | None = Field(default=None, gt=0, lt=200_000)
    width_m: float | None = Field(default=None, gt=0, lt=500)
    grade: str | None = Field(default=None, max_length=20)
    households: int | None = Field(default=None, ge=0, le=1_000_000)
    developer: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=2000)
    applicant: str | None = Field(default=None, max_length=100)


class ConsultationRequest(RequestModel):
    start_date: date | None = Field(default=None, description="公示开始日期 (default today)")


class ApprovalRequest(RequestModel):
    approval_no: str = Field(min_length=1, max_length=60, examples=["威政字〔2024〕12号"])
    approval_date: date | None = None
    authority: str = Field(default="", max_length=100, examples=["威海市人民政府"])


class ReasonRequest(RequestModel):
    reason: str = Field(default="", max_length=2000)


class ExceptionGrant(RequestModel):
    """A reviewer's exception to one rule for a case (实施办法 art. 3/4), with its reason."""

    rule: str = Field(min_length=1, max_length=60, examples=["content.enterprise"])
    reason: str = Field(min_length=4, max_length=2000, examples=["以小区内龙湖（湖泊）得名"])


class ReportRecord(RequestModel):
    """One of the art. 11 reports (evaluation, expert_review, consultation) on a case."""

    kind: str = Field(examples=["expert_review"])
    summary: str = Field(min_length=1, max_length=4000)


class DateRequest(RequestModel):
    on: date | None = Field(default=None, description="日期 (default today)")


class CasePublic(DomainModel):
    id: int
    number: str
    kind: CaseKind
    kind_name: str
    state: CaseState
    state_name: str
    name: str
    romanized: str
    specific: str
    generic: str
    admin_code: str
    place_id: int | None
    geometry: dict[str, Any] | None
    start_desc: str
    end_desc: str
    length_m: float | None
    width_m: float | None
    grade: str
    reason: str
    applicant: str
    findings: list[FindingPublic]
    consultation_start: date | None
    consultation_end: date | None
    approval_no: str | None
    approval_date: date | None
    approver_authority: str
    announced_on: date | None
    filed_on: date | None
    notice_due: date | None
    filing_due: date | None
    notice_text: str
    historic: bool
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, c: Case) -> CasePublic:
        return cls.copy_of(
            c,
            c.proposal,
            kind_name=CASE_KIND_NAMES[c.kind],
            state_name=CASE_STATE_NAMES[c.state],
            geometry=from_shape(c.proposal.geometry),
            findings=[FindingPublic.from_domain(f) for f in c.findings],
        )


class CasePage(BaseModel):
    total: int
    items: list[CasePublic]


class AuditEntryPublic(DomainModel):
    id: int
    at: datetime
    user: str
    action: str
    case_id: int | None
    place_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str

    @classmethod
    def from_domain(cls, e: AuditEntry) -> AuditEntryPublic:
        return cls.copy_of(e, user=e.user_name)


class OverduePublic(DomainModel):
    case_id: int
    number: str
    name: str
    state: CaseState
    what: Literal["notice", "filing"]
    due: date
    days_overdue: int

    @classmethod
    def from_domain(cls, o: OverdueItem) -> OverduePublic:
        return cls.copy_of(o, what="notice" if o.what == "notice" else "filing")


class WordCreate(RequestModel):
    list_name: str = Field(examples=["enterprises"])
    word: str = Field(min_length=1, max_length=60)
    note: str = Field(default="", max_length=200)


class WordListPublic(BaseModel):
    list_name: str
    title: str
    words: list[str]

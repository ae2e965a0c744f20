"""DomainModel's ``mirrors=``: a response schema that takes a domain dataclass's fields."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from api.schemas_base import DomainModel


@dataclass(frozen=True, slots=True)
class _Row:
    code: str
    minutes: float | None
    villages: int = 0


class _RowPublic(DomainModel, mirrors=_Row):
    pass


class _RowNoted(DomainModel, mirrors=_Row):
    minutes: float | None = Field(description="null: beyond the limit")
    extra: str


class _RowWritten(DomainModel):
    code: str
    minutes: float | None
    villages: int


def test_a_mirror_has_the_dataclass_fields_in_order_each_required() -> None:
    mirrored = _RowPublic.model_json_schema()
    written = _RowWritten.model_json_schema()
    assert mirrored["properties"] == written["properties"]
    assert mirrored["required"] == ["code", "minutes", "villages"]
    row = _Row("371002", 4.5, 3)
    assert _RowPublic.copy_of(row).model_dump() == {"code": "371002", "minutes": 4.5, "villages": 3}


def test_a_field_in_the_body_keeps_its_place_and_body_only_fields_come_last() -> None:
    schema = _RowNoted.model_json_schema()
    assert list(schema["properties"]) == ["code", "minutes", "villages", "extra"]
    assert schema["properties"]["minutes"]["description"] == "null: beyond the limit"

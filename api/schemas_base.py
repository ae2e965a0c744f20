"""What the schemas share: response schemas filled from domain objects, and request
schemas whose every value fits both databases."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, get_type_hints

from pydantic import BaseModel, ValidationInfo, field_validator

from gazetteer.types import INT32_MAX


def _storable(value: Any) -> Any:
    """``value`` unchanged, or ValueError when a database could not store it: an integer
    outside PostgreSQL's ``integer`` (SQLite takes 64 bits, PostgreSQL 32), a NUL
    character (PostgreSQL text cannot hold it); nested lists and objects are walked."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -INT32_MAX - 1 <= value <= INT32_MAX:
            raise ValueError(f"integer out of range (-{INT32_MAX + 1}..{INT32_MAX})")
    elif isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
    elif isinstance(value, list | tuple | set):
        for item in value:
            _storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    elif isinstance(value, BaseModel):
        pass  # validated by its own class
    return value


class ErrorDetail(BaseModel):
    field: str
    problem: str


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": code, "message": "中文 (English)", "details": …}``."""

    error: str
    message: str
    details: Any = None
    conflicts: list[str | int] | None = None


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: The error answers any operation may give, documented on every operation.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("bad input (the message names the field)"),
    401: _error("a staff token is required or was refused"),
    403: _error("the token's role may not do this"),
    404: _error("no such record"),
    409: _error("conflicts with stored data"),
    413: _error("request body too large"),
    422: _error("invalid parameters or body (details name each field)"),
    429: _error("too many heavy requests from this client (see Retry-After)"),
    503: _error("busy: a bounded wait ran out (see Retry-After)"),
}


class RequestModel(BaseModel):
    """A request body: every integer fits a 32-bit column and no text holds NUL, so bad
    input is a 422 naming the field instead of an error inside the database driver.
    ``NOT_NULL`` fields may be left out of a PATCH but not set to ``null``."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _fits_the_databases(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise ValueError("must not be null (leave the field out to keep its value)")
        return _storable(value)


class DomainModel(BaseModel):
    """A response schema filled from a domain dataclass with fields of the same names.

    Timestamps always carry their offset: SQLite gives stored UTC timestamps back naive,
    and a date-time without an offset is not an RFC 3339 ``date-time``.

    ``class XPublic(DomainModel, mirrors=X)`` takes the fields of the dataclass ``X``: its
    names, types and order, each required (a response always has it, whatever default the
    dataclass gives). A field also written in the class body keeps its place and takes the
    body's type and ``Field`` (a description, a nested public model); fields only in the
    body come after. A response that shows a domain row as it is states it once."""

    def __init_subclass__(cls, mirrors: type | None = None, **kwargs: Any) -> None:
        if mirrors is not None:
            cls.__annotations__ = {**get_type_hints(mirrors), **inspect.get_annotations(cls)}
        super().__init_subclass__(**kwargs)

    @field_validator("*", mode="after")
    @classmethod
    def _utc_offset(cls, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @classmethod
    def copy_of(cls, *sources: object, **overrides: Any) -> Self:
        """The model with each field read from the attribute of the same name of the first
        of ``sources`` that has one, except those given in ``overrides`` (converted values,
        nested models)."""
        values = {}
        for name in cls.model_fields:
            if name in overrides:
                continue
            for obj in sources:
                if hasattr(obj, name):
                    values[name] = getattr(obj, name)
                    break
        return cls(**values, **overrides)


__all__ = ["ERROR_RESPONSES", "DomainModel", "ErrorBody", "ErrorDetail", "RequestModel"]

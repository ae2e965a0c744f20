"""What the response schemas share: building a pydantic model from a domain object."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel


class DomainModel(BaseModel):
    """A response schema filled from a domain dataclass with fields of the same names."""

    @classmethod
    def copy_of(cls, obj: object, **overrides: Any) -> Self:
        """The model with each field read from the attribute of the same name of ``obj``,
        except those given in ``overrides`` (converted values, nested models)."""
        values = {
            name: getattr(obj, name)
            for name in cls.model_fields
            if name not in overrides and hasattr(obj, name)
        }
        return cls(**values, **overrides)


__all__ = ["DomainModel"]

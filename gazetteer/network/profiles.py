"""Travel profiles as data: speeds per road class, one-way rules, the walking access leg.

The shipped profiles live in ``data/profiles.json`` (walking 4.5 km/h, elderly walking
3.0 km/h, e-bike/tricycle 15 km/h, car by road class honouring one-way streets). A
deployment can pass its own JSON file of the same shape to :func:`load_profiles`.

A road class with speed 0 is closed to the profile. ``use_edge_speed`` takes an edge's
own ``speed_kmh`` (e.g. an OSM ``maxspeed``) when it has one; ``access_speed_kmh`` is the
speed of the leg between a point and the road it snaps to (always on foot).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gazetteer.errors import InvalidInput
from gazetteer.model import RoadClass

DEFAULT_PROFILE = "walking"


@dataclass(frozen=True, slots=True)
class TravelProfile:
    name: str
    label: str
    default_speed_kmh: float
    speed_kmh: Mapping[RoadClass, float]
    access_speed_kmh: float
    use_edge_speed: bool = False
    respect_oneway: bool = False
    buffer_m: float = 60.0

    def class_speed_kmh(self, road_class: RoadClass) -> float:
        """Speed on ``road_class`` (0 = closed)."""
        return float(self.speed_kmh.get(road_class, self.default_speed_kmh))


def _profile(name: str, data: Mapping[str, Any]) -> TravelProfile:
    try:
        speeds = {RoadClass(k): float(v) for k, v in dict(data.get("speed_kmh", {})).items()}
        default = float(data["default_speed_kmh"])
        access = float(data.get("access_speed_kmh", 4.5))
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"出行方式配置有误 (bad travel profile {name!r}): {exc}") from None
    if default <= 0 or access <= 0 or any(v < 0 for v in speeds.values()):
        raise InvalidInput(f"出行方式速度必须为正 (speeds of profile {name!r} must be positive)")
    return TravelProfile(
        name=name,
        label=str(data.get("label", name)),
        default_speed_kmh=default,
        speed_kmh=MappingProxyType(speeds),
        access_speed_kmh=access,
        use_edge_speed=bool(data.get("use_edge_speed", False)),
        respect_oneway=bool(data.get("respect_oneway", False)),
        buffer_m=float(data.get("buffer_m", 60.0)),
    )


def parse_profiles(data: Mapping[str, Any]) -> dict[str, TravelProfile]:
    """Profiles from a mapping ``{name: {default_speed_kmh, speed_kmh, ...}}``."""
    return {str(name): _profile(str(name), spec) for name, spec in data.items()}


def load_profiles(path: Path | None = None) -> dict[str, TravelProfile]:
    """The profiles of ``path`` (JSON), or the shipped ones."""
    if path is None:
        return dict(_shipped())
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"无法读取出行方式文件 (cannot read profiles file): {exc}") from None
    return parse_profiles(data)


@cache
def _shipped() -> Mapping[str, TravelProfile]:
    text = resources.files("gazetteer.network").joinpath("data/profiles.json").read_text("utf-8")
    return MappingProxyType(parse_profiles(json.loads(text)))


def get_profile(name: str | None = None) -> TravelProfile:
    """A shipped profile by name (default walking); unknown names are a clear error."""
    profiles = _shipped()
    key = name or DEFAULT_PROFILE
    if key not in profiles:
        raise InvalidInput(
            f"未知出行方式 (unknown travel profile): {key}; 可选 (choose from): "
            + ", ".join(sorted(profiles))
        )
    return profiles[key]


def profile_names() -> list[str]:
    return sorted(_shipped())


__all__ = [
    "DEFAULT_PROFILE",
    "TravelProfile",
    "get_profile",
    "load_profiles",
    "parse_profiles",
    "profile_names",
]

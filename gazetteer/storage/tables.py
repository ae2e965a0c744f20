"""Table definitions (SQLAlchemy Core + GeoAlchemy2), the same on SpatiaLite and PostGIS.

These are storage rows, not domain objects: repositories translate between the two.
Geometries are stored in CGCS2000 (EPSG:4490). The schema is created by the Alembic
migrations in ``migrations/``; this module is their source of truth for autogenerate.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from gazetteer.types import SRID

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def geom(kind: str, *, nullable: bool = True) -> Geometry:
    """A geometry column type in CGCS2000 with a spatial index."""
    return Geometry(geometry_type=kind, srid=SRID, spatial_index=True, nullable=nullable)


categories = Table(
    "categories",
    metadata,
    Column("code", String(8), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("name_en", String(80), nullable=False),
    Column("major_code", String(8), ForeignKey("categories.code"), nullable=True),
)

admin_areas = Table(
    "admin_areas",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("level", Integer, nullable=False),
    Column("kind", String(20), nullable=False, default=""),
    Column("parent_code", String(12), ForeignKey("admin_areas.code"), nullable=True),
    Column("ur_code", String(3), nullable=True),
    Column("geom", geom("MULTIPOLYGON")),
    Column("centre", geom("POINT")),
    Index("ix_admin_areas_parent", "parent_code"),
    Index("ix_admin_areas_name", "name"),
)

places = Table(
    "places",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(20), nullable=True, unique=True),
    Column("name", String(100), nullable=False),
    Column("specific", String(100), nullable=False, default=""),
    Column("generic", String(40), nullable=False, default=""),
    Column("romanized", String(300), nullable=False, default=""),
    Column("reading", String(400), nullable=True),
    Column("pinyin_key", String(400), nullable=False, default=""),
    Column("initials", String(100), nullable=False, default=""),
    Column("category_code", String(8), ForeignKey("categories.code"), nullable=False),
    Column("admin_code", String(12), ForeignKey("admin_areas.code"), nullable=False),
    Column("geom", geom("GEOMETRY", nullable=False)),
    Column("point", geom("POINT", nullable=False)),
    Column("meaning", Text, nullable=False, default=""),
    Column("origin", Text, nullable=False, default=""),
    Column("history", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("other_names", Text, nullable=False, default="[]"),  # JSON list of strings
    Column("established_year", Integer, nullable=True),
    Column("abolished_year", Integer, nullable=True),
    Column("status", String(12), nullable=False, default="current"),
    Column("census_status", String(14), nullable=False, default="unchanged"),
    Column("source", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_places_name", "name"),
    Index("ix_places_pinyin_key", "pinyin_key"),
    Index("ix_places_initials", "initials"),
    # PostgreSQL: both cover the filters of a scoped search (migration 0015)
    Index("ix_places_category", "category_code", postgresql_include=["id", "status"]),
    Index("ix_places_admin", "admin_code", postgresql_include=["id", "status", "category_code"]),
    Index("ix_places_status", "status"),
)

# Every former name and every former geometry of a place; rows are only ever appended.
place_history = Table(
    "place_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=False),
    Column("version", Integer, nullable=True),
    Column("name", String(100), nullable=False),
    Column("romanized", String(300), nullable=False, default=""),
    Column("pinyin_key", String(400), nullable=False, default=""),
    Column("geom", geom("GEOMETRY")),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("reason", String(20), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("snapshot", Text, nullable=True),  # JSON of the full previous record
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_place_history_place", "place_id"),
    Index("ix_place_history_name", "name"),
    Index("ix_place_history_pinyin_key", "pinyin_key"),
)

roads = Table(
    "roads",
    metadata,
    Column("place_id", Integer, ForeignKey("places.id"), primary_key=True),
    Column("start_desc", Text, nullable=False, default=""),
    Column("end_desc", Text, nullable=False, default=""),
    Column("length_m", Float, nullable=False),
    Column("width_m", Float, nullable=True),
    Column("grade", String(20), nullable=False, default=""),
)

compounds = Table(
    "compounds",
    metadata,
    Column("place_id", Integer, ForeignKey("places.id"), primary_key=True),
    Column("households", Integer, nullable=True),
    Column("floor_area_m2", Float, nullable=True),
    Column("developer", String(100), nullable=False, default=""),
)

built_up_areas = Table(
    "built_up_areas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False),
    Column("county_code", String(12), ForeignKey("admin_areas.code"), nullable=False),
    Column("geom", geom("MULTIPOLYGON", nullable=False)),
)

facilities = Table(
    "facilities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(24), nullable=True, unique=True),
    Column("name", String(100), nullable=False),
    Column("type", String(40), nullable=False),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=True),
    Column("admin_code", String(12), ForeignKey("admin_areas.code"), nullable=False),
    Column("geom", geom("POINT", nullable=False)),
    Column("beds", Integer, nullable=True),
    Column("capacity", Integer, nullable=True),
    Column("floor_area_m2", Float, nullable=True),
    Column("operator", String(100), nullable=False, default=""),
    Column("mode", String(40), nullable=False, default=""),
    Column("level", String(20), nullable=False, default=""),
    Column("opened_year", Integer, nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_facilities_type", "type"),
    Index("ix_facilities_admin", "admin_code"),
)

demand_points = Table(
    "demand_points",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(12), nullable=False, unique=True),
    Column("name", String(80), nullable=False),
    Column("admin_code", String(12), ForeignKey("admin_areas.code"), nullable=False),
    Column("geom", geom("POINT", nullable=False)),
    Column("population", Integer, nullable=False),
    Column("elderly", Integer, nullable=False),
    Column("dependents", Integer, nullable=False),
    Index("ix_demand_points_admin", "admin_code"),
)

network_nodes = Table(
    "network_nodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("geom", geom("POINT", nullable=False)),
)

network_edges = Table(
    "network_edges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Integer, ForeignKey("network_nodes.id"), nullable=False),
    Column("target", Integer, ForeignKey("network_nodes.id"), nullable=False),
    Column("road_class", String(20), nullable=False),
    Column("length_m", Float, nullable=False),
    Column("speed_kmh", Float, nullable=True),
    Column("oneway", Boolean, nullable=False, default=False),
    Column("name", String(100), nullable=False, default=""),
    Column("geom", geom("LINESTRING", nullable=False)),
    Index("ix_network_edges_source", "source"),
    Index("ix_network_edges_target", "target"),
)

# Key/value facts about the dataset (seed, build time, schema notes).
dataset_info = Table(
    "dataset_info",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

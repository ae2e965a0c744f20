"""Which column of a file is which field: the field-mapping table, as data.

A column is matched, in this order, by

1. the user's mapping (``gazetteer import --mapping FILE``: a CSV with the columns
   ``column,field`` and optionally ``layer``; an empty ``field`` ignores the column);
2. the layer's own spellings: field name, Chinese header, Shapefile name (what our
   exports write, so every export reads back);
3. the shipped table ``data/census_fields.csv``: the Chinese field names of the Second
   National Place-Name Census result tables (标准名称, 罗马字母拼写, 地名代码, 类别,
   所在政区, 含义, 由来, 历史沿革, 地理实体描述 …) and the usual coordinate headers.

Headers are compared after normalisation: case, spaces, full-width brackets, line breaks
inside merged header cells and the ``*`` that marks required columns do not matter.

Besides layer fields, a column can have a *role*:

* ``admin`` — an administrative area as a 6/9/12-digit code or a name path
  (``威海市环翠区环翠楼街道``, ``环翠区/环翠楼街道``), resolved against the database to
  ``admin_code`` when the file has no code column;
* ``category`` — a category code or a (sub)category name (``街巷``), resolved against the
  classification table to ``category_code`` when the file has no code column;
* ``lon``/``lat`` (degrees, also ``122°07′12.3″``), ``x``/``y`` (projected metres or
  degrees, axes told apart by their values), ``wkt`` — the geometry, see ``crs.py``.

Census values are also translated (``data/census_values.csv``: 更名 -> standardised,
沿用 -> unchanged …), years are read from ``1984年``, and codes that Excel stored as
numbers are checked for lost digits. :meth:`ColumnPlan.describe` prints how each column
was mapped (``--dry-run``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from gazetteer.errors import InvalidInput
from gazetteer.model import classification

from .layers import FORMER_LABELS, Kind, LayerSpec, layer
from .textenc import decode_text_file

ROLES = ("admin", "category", "lon", "lat", "x", "y", "wkt")
GEOMETRY_ROLES = ("lon", "lat", "x", "y", "wkt")

_SPACES = re.compile(r"[\s\u3000*＊]+")
_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "／": "/"})


def normalise(header: Any) -> str:
    """The form in which headers are compared."""
    if header is None:
        return ""
    return _SPACES.sub("", str(header).translate(_FULLWIDTH)).lower()


@dataclass(frozen=True, slots=True)
class Rule:
    column: str  # normalised header
    target: str  # field name, role, or "" (ignore)
    layer: str = "*"
    origin: str = ""  # where the rule comes from (for --dry-run)


@dataclass(frozen=True, slots=True)
class MappingTable:
    """Rules from one source (the shipped census table or a user's file)."""

    rules: tuple[Rule, ...]
    origin: str

    def for_layer(self, layer: str) -> dict[str, Rule]:
        """Normalised header -> rule; a layer's own rule wins over a ``*`` rule."""
        out = {r.column: r for r in self.rules if r.layer in ("*", "")}
        out.update({r.column: r for r in self.rules if r.layer == layer})
        return out


def _rules(text: str, origin: str) -> tuple[Rule, ...]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {normalise(f) for f in (reader.fieldnames or [])}
    if not {"column", "field"} <= fields:
        raise InvalidInput(
            f"映射表 {origin} 需要 column,field 两列 (the mapping table needs the columns "
            "column,field and optionally layer)"
        )
    out = []
    for i, raw in enumerate(reader, start=2):
        row = {normalise(k): (v or "").strip() for k, v in raw.items() if k is not None}
        column = normalise(row.get("column"))
        if not column:
            raise InvalidInput(f"映射表 {origin} 第 {i} 行缺少 column (row {i}: no column)")
        out.append(Rule(column, row.get("field", ""), row.get("layer") or "*", origin))
    return tuple(out)


@cache
def census_table() -> MappingTable:
    """The shipped mapping for the Second National Place-Name Census field names."""
    text = resources.files("gazetteer.io").joinpath("data/census_fields.csv").read_text("utf-8")
    return MappingTable(_rules(text, "普查字段表 census table"), "census")


@cache
def census_values() -> dict[str, dict[str, str]]:
    """Field -> {census value -> stored value}."""
    text = resources.files("gazetteer.io").joinpath("data/census_values.csv").read_text("utf-8")
    out: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        out.setdefault(row["field"], {})[row["value"].strip()] = row["stored"].strip()
    return out


def load_mapping(path: Path) -> MappingTable:
    """A user's mapping file (CSV, UTF-8 or GBK)."""
    if not path.is_file():
        raise InvalidInput(f"映射表不存在 (mapping file not found): {path}")
    text, _ = decode_text_file(path)
    table = MappingTable(_rules(text, f"--mapping {path.name}"), f"--mapping {path.name}")
    return table


def _check_targets(spec: LayerSpec, table: MappingTable) -> None:
    names = {f.name for f in spec.fields}
    for r in table.rules:
        if r.layer not in ("*", "", spec.name):
            continue
        if r.target and r.target not in names and r.target not in ROLES:
            raise InvalidInput(
                f"映射表 {r.origin}: 未知字段 {r.target!r} (unknown field for layer "
                f"{spec.name}); fields: {', '.join(sorted(names))}; roles: {', '.join(ROLES)}"
            )


# --- the plan for one table ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnMatch:
    header: str  # as in the file
    target: str  # field, role, or "" (ignored)
    how: str  # "--mapping x.csv", "字段名 field name", "普查字段表 census table", …


@dataclass(slots=True)
class ColumnPlan:
    """How the columns of one table map to a layer's fields and roles."""

    spec: LayerSpec
    matches: list[ColumnMatch]
    # field/role -> column indexes in file order (several columns may feed one list field)
    sources: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, m in enumerate(self.matches):
            if m.target:
                self.sources.setdefault(m.target, []).append(i)

    def has(self, target: str) -> bool:
        return target in self.sources

    def score(self) -> int:
        """How many distinct fields/roles the headers matched (header-row detection)."""
        return len(self.sources)

    def describe(self) -> list[str]:
        out = []
        for m in self.matches:
            if m.target:
                out.append(f"{m.header} → {m.target} ({m.how})")
            else:
                out.append(f"{m.header} → 忽略 ignored ({m.how})")
        return out

    def columns(self, columns: Sequence[Sequence[Any]], n: int) -> dict[str, list[Any]]:
        """field/role -> its values (blank -> None), one list per target."""
        out: dict[str, list[Any]] = {}
        kinds = {f.name: f.kind for f in self.spec.fields}
        for target, idx in self.sources.items():
            if len(idx) == 1:
                out[target] = clean_column(columns[idx[0]])
            elif kinds.get(target) == Kind.JSON_LIST:
                out[target] = [_join([columns[i][r] for i in idx]) for r in range(n)]
            else:
                cleaned = [clean_column(columns[i]) for i in idx]
                out[target] = [
                    next((c[r] for c in cleaned if c[r] is not None), None) for r in range(n)
                ]
        return out


def clean_column(values: Sequence[Any]) -> list[Any]:
    """Blank cells (None, NaN, empty or white-space text) -> None; text stripped."""
    return [
        (v.strip() or None)
        if type(v) is str
        else (None if v is None or (type(v) is float and v != v) else v)
        for v in values
    ]


def _join(values: Iterable[Any]) -> Any:
    """Several name columns (曾用名, 别名 …) -> one list, as the importer reads it."""
    parts: list[str] = []
    for v in clean_column(list(values)):
        if v is None:
            continue
        text = str(v)
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                items = [text]
            parts.extend(str(i) for i in (items if isinstance(items, list) else [items]))
        else:
            parts.extend(p.strip() for p in re.split(r"[、;；,，]", text) if p.strip())
    return json.dumps(parts, ensure_ascii=False) if parts else None


@cache
def _own_spellings(spec_name: str) -> dict[str, str]:
    return {normalise(k): v for k, v in layer(spec_name).field_map().items()}


def plan_columns(
    spec: LayerSpec, headers: Sequence[Any], user: MappingTable | None = None
) -> ColumnPlan:
    """Match each header to a field or role of ``spec`` (see the module docstring)."""
    own = _own_spellings(spec.name)
    derived = {f.name for f in spec.fields if f.derived}
    census = census_table().for_layer(spec.name)
    users = user.for_layer(spec.name) if user is not None else {}
    if user is not None:
        _check_targets(spec, user)
    matches: list[ColumnMatch] = []
    taken: set[str] = set()
    for h in headers:
        key = normalise(h)
        label = "" if h is None else str(h)
        if not key:
            matches.append(ColumnMatch(label, "", "空表头 empty header"))
            continue
        if key in users:
            r = users[key]
            matches.append(ColumnMatch(label, r.target, r.origin))
            continue
        target = own.get(key)
        if target is not None and target not in derived:
            how = "字段名 field name" if key == target else "表头 header"
            matches.append(ColumnMatch(label, target, how))
            continue
        rule = census.get(key)
        if rule is not None:
            matches.append(ColumnMatch(label, rule.target, "普查字段表 census table"))
            continue
        if target is not None:  # a derived column (category name, admin path …)
            matches.append(ColumnMatch(label, "", "派生字段，导入时重新计算 derived, recomputed"))
            continue
        matches.append(ColumnMatch(label, "", "未识别 not recognised"))
    # one column per scalar field: later duplicates are ignored (lists are joined)
    kinds = {f.name: f.kind for f in spec.fields}
    for i, m in enumerate(matches):
        if not m.target or kinds.get(m.target) == Kind.JSON_LIST:
            continue
        if m.target in taken:
            matches[i] = ColumnMatch(m.header, "", f"重复，已由前一列提供 duplicate of {m.target}")
        taken.add(m.target)
    return ColumnPlan(spec, matches)


# Fields (or roles) a table must have to be taken for a layer when its name does not say.
_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "places": (("name",), ("category_code", "category"), ("admin_code", "admin")),
    "facilities": (("name",), ("type",), ("admin_code", "admin")),
    "demand_points": (("code",), ("name",), ("population",)),
    "admin_areas": (("code",), ("name",), ("level",)),
    "network_edges": (("source",), ("target",), ("road_class",)),
}


def fits_layer(spec: LayerSpec, headers: Sequence[Any]) -> bool:
    """Whether the headers carry what ``spec`` needs (name, category, area …)."""
    needs = _NEEDS.get(spec.name)
    if not needs:
        return False
    plan = plan_columns(spec, headers)
    return all(any(plan.has(t) for t in alternatives) for alternatives in needs)


# --- resolving roles against the database and the classification ------------------------------


class AdminNames:
    """Administrative areas by code and name, for ``admin`` columns."""

    def __init__(self, areas: Iterable[tuple[str, str, str | None]]) -> None:
        self.areas: dict[str, tuple[str, str | None]] = {c: (n, p) for c, n, p in areas}
        self.by_name: dict[str, list[str]] = {}
        for code, (name, _) in self.areas.items():
            self.by_name.setdefault(name, []).append(code)
        self._names = sorted(self.by_name, key=len, reverse=True)
        self._cache: dict[str, str | list[str]] = {}

    def _ancestors(self, code: str) -> list[str]:
        out: list[str] = []
        cur = self.areas.get(code, ("", None))[1]
        while cur is not None and cur in self.areas and cur not in out:
            out.append(self.areas[cur][0])
            cur = self.areas[cur][1]
        return out

    def resolve(self, text: str) -> str | list[str]:
        """The 12-digit code for a code or name path; a list of candidates when the name
        is ambiguous (empty when unknown)."""
        if text in self._cache:
            return self._cache[text]
        result = self._resolve(text)
        self._cache[text] = result
        return result

    def _resolve(self, text: str) -> str | list[str]:
        raw = re.sub(r"[\s/\\|>·,，、\-]+", "", text)
        if raw.isdigit():
            code = raw.ljust(12, "0") if len(raw) in (6, 9) else raw
            return code if code in self.areas else []
        for name in self._names:
            if not raw.endswith(name):
                continue
            rest = raw[: -len(name)]
            codes = self.by_name[name]
            fits = [c for c in codes if _prefix_fits(rest, self._ancestors(c))]
            if len(fits) == 1:
                return fits[0]
            if len(fits) > 1:
                return sorted(fits)
        return []


def _prefix_fits(rest: str, ancestors: list[str]) -> bool:
    """Every leading part of a name path names an ancestor, nearest last."""
    for name in ancestors:  # nearest first
        if rest.endswith(name):
            rest = rest[: -len(name)]
    rest = re.sub(r"^(中国|中华人民共和国)?[^市县区]{0,3}(省|自治区)", "", rest)
    return rest == ""


@cache
def _category_names() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in classification().categories:
        out.setdefault(normalise(c.name), []).append(c.code)
    return out


def resolve_category(text: str) -> str | list[str]:
    """A category code for a code or a (sub)category name; candidates when ambiguous."""
    raw = str(text).strip()
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]
    if classification().get(raw) is not None:
        return raw
    parts = [p for p in re.split(r"[/\\|>\s\-—]+", raw) if p]
    codes = _category_names().get(normalise(parts[-1] if parts else raw))
    if codes:  # the last part of a path such as 交通运输设施/道路街巷
        return codes[0] if len(codes) == 1 else codes
    m = re.match(r"^\s*(\d{1,5})\b", raw)
    if m and classification().get(m.group(1)) is not None:
        return m.group(1)  # "23510 街巷"
    return []


_YEAR = re.compile(r"^\s*(\d{3,4})\s*(年.*)?$")
CODE_FIELDS = ("code", "admin_code", "category_code", "parent_code", "county_code", "place_code")


Problems = dict[int, list[tuple[str, str]]]  # row index -> (field, problem)


def _resolve(
    cols: dict[str, list[Any]],
    role: str,
    field: str,
    resolve: Any,
    what: tuple[str, str],
    problems: Problems,
) -> None:
    raw = cols.get(role)
    if raw is None:
        return
    target = cols.setdefault(field, [None] * len(raw))
    for i, text in enumerate(raw):
        if text is None or target[i] is not None:
            continue
        found = resolve(str(text))
        if isinstance(found, str):
            target[i] = found
        elif found:
            problem = f"{what[0]}不唯一 (ambiguous {what[1]} {text!r}): {', '.join(found)}"
            problems.setdefault(i, []).append((field, problem))
        else:
            problem = f"未知{what[0]} (unknown {what[1]}): {text!r}"
            problems.setdefault(i, []).append((field, problem))


def normalise_columns(
    spec: LayerSpec, cols: dict[str, list[Any]], admin: AdminNames | None
) -> Problems:
    """Resolve roles and census values in place, column by column; the problems by row."""
    problems: Problems = {}
    if admin is not None:
        what = ("行政区", "administrative area")
        _resolve(cols, "admin", "admin_code", admin.resolve, what, problems)
    elif "admin" in cols:
        codes = cols.setdefault("admin_code", [None] * len(cols["admin"]))
        cols["admin_code"] = [
            c if c is not None else a for c, a in zip(codes, cols["admin"], strict=True)
        ]
    _resolve(cols, "category", "category_code", resolve_category, ("类别", "category"), problems)
    for f in spec.fields:  # Chinese labels of our own exports, census words
        values = cols.get(f.name)
        if values is None:
            continue
        back = {zh: v for v, zh in f.labels}
        if f.labels:
            back = {**FORMER_LABELS, **back}
        back.update(census_values().get(f.name, {}))
        if back:
            cols[f.name] = [back.get(v, v) if type(v) is str else v for v in values]
    for name in ("established_year", "abolished_year"):
        values = cols.get(name)
        if values is not None:
            cols[name] = [_year(v) if type(v) is str else v for v in values]
    for name in CODE_FIELDS:
        for i, v in enumerate(cols.get(name) or ()):
            if type(v) is float and abs(v) >= 1e15:
                problems.setdefault(i, []).append(
                    (
                        name,
                        f"代码被 Excel 存为数字，已丢失位数 (the code was stored as a number in "
                        f"Excel and lost digits: {v:.0f}); 请将该列设为文本 (format the "
                        "column as text)",
                    )
                )
    return problems


def _year(text: str) -> str:
    m = _YEAR.match(text)
    return m.group(1) if m else text


__all__ = [
    "ROLES",
    "AdminNames",
    "ColumnMatch",
    "ColumnPlan",
    "MappingTable",
    "census_table",
    "clean_column",
    "fits_layer",
    "load_mapping",
    "normalise",
    "normalise_columns",
    "plan_columns",
    "resolve_category",
]

"""The shape of the code, checked: imports point one way, layers inside the library, no
import hidden in a function, no SQL in routes, modules of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gazetteer", "api", "maps")
FORBIDDEN = {
    "gazetteer": {"fastapi", "starlette", "folium", "branca", "api", "maps"},
    "maps": {"api", "fastapi", "starlette"},
}
# Layers of the library, lowest first: a module imports only from its own layer or below.
LAYERS = {
    "errors": 0,
    "types": 0,
    "settings": 0,
    "model": 1,
    "text": 1,
    "storage": 2,
    "search": 3,
    "naming": 3,
    "network": 3,
    "coverage": 3,
    "io": 3,
    "ogc": 3,
    "cartography": 3,
    "demo": 3,
    "services": 4,
    "commands": 5,
    "cli": 5,
}
MAX_LINES = 600
# Declarative data tables may be longer (none is today).
LONG_DATA_MODULES: set[str] = set()
# Names a route may take from SQLAlchemy: types for annotations, never statements.
SQLALCHEMY_TYPES = {"Connection", "Engine"}


def _modules(package: str) -> list[Path]:
    return [
        p for p in sorted((ROOT / package).rglob("*.py")) if "migrations/versions" not in str(p)
    ]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package: str) -> None:
    offenders = []
    for path in _modules(package):
        bad = _imports(path) & FORBIDDEN[package]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_library_layers() -> None:
    """Storage never imports an area, an area never imports the use cases, ..."""
    offenders = []
    for path in _modules("gazetteer"):
        parts = path.relative_to(ROOT / "gazetteer").with_suffix("").parts
        if parts == ("__init__",):
            continue
        mine = LAYERS[parts[0]]
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gazetteer."):
                other = (node.module or "").split(".")[1]
                if LAYERS.get(other, 0) > mine:
                    offenders.append(f"{path.relative_to(ROOT)} -> {node.module}")
    assert offenders == []


def test_no_first_party_import_inside_a_function() -> None:
    """Cycles are broken by moving code, not by hiding imports in functions or behind
    TYPE_CHECKING (lazy imports of heavy optional libraries stay allowed)."""
    offenders = []
    for package in PACKAGES:
        for path in _modules(package):
            tree = _tree(path)
            for node in ast.walk(tree):
                inner: list[ast.AST] = []
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or (
                    isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                ):
                    inner = list(ast.walk(node))
                for sub in inner:
                    if isinstance(sub, ast.ImportFrom):
                        module = sub.module if sub.level == 0 and sub.module else "."
                    elif isinstance(sub, ast.Import):
                        module = sub.names[0].name
                    else:
                        continue
                    if module.split(".")[0] in (*PACKAGES, ""):
                        offenders.append(f"{path.relative_to(ROOT)}:{sub.lineno} {module}")
    assert offenders == []


def test_routes_run_no_sql() -> None:
    """Routes parse, call a use case and format: no storage, no SQL statements."""
    offenders = []
    for path in _modules("api/routes"):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if node.module.startswith("gazetteer.storage"):
                offenders.append(f"{path.relative_to(ROOT)}: {node.module}")
            if node.module.split(".")[0] == "sqlalchemy":
                extra = {a.name for a in node.names} - SQLALCHEMY_TYPES
                if extra:
                    offenders.append(f"{path.relative_to(ROOT)}: sqlalchemy {sorted(extra)}")
    assert offenders == []


def test_modules_stay_readable() -> None:
    offenders = []
    for package in PACKAGES:
        for path in _modules(package):
            name = str(path.relative_to(ROOT))
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES and name not in LONG_DATA_MODULES:
                offenders.append(f"{name}: {lines} lines")
    assert offenders == []


def test_a_handful_of_modules_at_the_top_of_the_library() -> None:
    top = sorted(p.name for p in (ROOT / "gazetteer").glob("*.py"))
    assert top == ["__init__.py", "cli.py", "errors.py", "settings.py", "types.py"]


def test_packages_ship_py_typed() -> None:
    for package in PACKAGES:
        assert (ROOT / package / "py.typed").is_file()

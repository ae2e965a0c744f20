"""Batch check: a CSV of candidate names in, a report (CSV or Excel) out.

Input columns (UTF-8 or GBK CSV, header row): ``name`` (required), ``kind`` (road,
compound, building, village, town; default road), ``admin_code`` (required), optional
``lon``/``lat`` (a point placing the feature) or ``wkt`` (any geometry), ``width_m`` and
``grade``. Besides the usual rules, names repeated or homophone *within the file* in the
same scope are reported (``batch.duplicate``, a warning).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from shapely import wkt as shapely_wkt
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from gazetteer.errors import ImportFailed, InvalidInput
from gazetteer.naming.check import check_names
from gazetteer.naming.model import CheckRequest, CheckResult, Finding, PlaceKind, Severity
from gazetteer.naming.reference import ReferenceCache
from gazetteer.naming.rules import ITEM8 as ART9_SCOPE
from gazetteer.types import COUNTY_OR_BELOW, AdminCode

MAX_ROWS = 20_000
# rows a duplicate group lists by number on its first row (the rest are counted)
GROUP_LISTED = 50
REPORT_COLUMNS = (
    "row", "name", "kind", "admin_code", "ok", "romanized", "specific", "generic", "scope",
    "errors", "warnings", "rules", "messages", "conflicts",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BatchRow:
    row: int  # 1-based data row number in the file
    request: CheckRequest


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("无法识别文件编码，请使用 UTF-8 (cannot decode the file; use UTF-8)")


def parse_csv(data: bytes) -> list[BatchRow]:
    """Rows of a batch CSV; :class:`ImportFailed` lists every bad row."""
    reader = csv.DictReader(io.StringIO(_decode(data)))
    fields = {f.strip().lower() for f in (reader.fieldnames or [])}
    if not {"name", "admin_code"} <= fields:
        raise ImportFailed(
            "CSV 须包含 name 和 admin_code 列 (the CSV needs the columns name and admin_code)"
        )
    out: list[BatchRow] = []
    problems: list[str] = []
    for i, raw in enumerate(reader, start=1):
        r = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if i > MAX_ROWS:
            raise ImportFailed(f"一次最多检查{MAX_ROWS}个名称 (at most {MAX_ROWS} rows)")
        try:
            out.append(BatchRow(i, _request(r)))
        except (InvalidInput, ValueError) as exc:
            problems.append(f"第{i}行 (row {i}): {getattr(exc, 'message', exc)}")
    if problems:
        raise ImportFailed(f"{len(problems)} 行有误 ({len(problems)} bad rows)", details=problems)
    return out


def _request(r: dict[str, str]) -> CheckRequest:
    name = r.get("name", "")
    if not name:
        raise InvalidInput("名称为空 (empty name)")
    kind_text = r.get("kind") or "road"
    try:
        kind = PlaceKind(kind_text)
    except ValueError:
        raise InvalidInput(f"未知类型 (unknown kind) {kind_text!r}") from None
    code = AdminCode.parse(r.get("admin_code", ""), lengths=COUNTY_OR_BELOW).value
    geom: BaseGeometry | None = None
    if r.get("wkt"):
        geom = shapely_wkt.loads(r["wkt"])
    elif r.get("lon") and r.get("lat"):
        geom = Point(float(r["lon"]), float(r["lat"]))
    width = float(r["width_m"]) if r.get("width_m") else None
    return CheckRequest(name, kind, code, geom, width_m=width, grade=r.get("grade", ""))


def check_batch(
    conn: Connection, rows: Sequence[BatchRow], *, references: ReferenceCache | None = None
) -> list[CheckResult]:
    """Check every row (one load of the existing names) and flag in-file duplicates."""
    results = check_names(conn, [r.request for r in rows], references=references)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, res in enumerate(results):
        if res.pinyin_key:
            groups[(res.scope.key, res.pinyin_key)].append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        # One finding per group, on its first row, naming the others (at most
        # GROUP_LISTED of them); the others point back to that row. The report grows with
        # the file, never with the square of a group's size.
        first, rest = members[0], members[1:]
        listed = rest[:GROUP_LISTED]
        names = "、".join(f"第{rows[j].row}行“{results[j].normalized}”" for j in listed)
        more = f"等{len(rest)}行" if len(rest) > len(listed) else ""
        head = Finding(
            rule="batch.duplicate",
            severity=Severity.WARNING,
            article=ART9_SCOPE,
            message=f"“{results[first].normalized}”与本批{names}{more}同名或同音，只能选用其一。",
            conflicts=tuple(f"row:{rows[j].row}" for j in listed),
        )
        results[first] = replace(results[first], findings=(*results[first].findings, head))
        for i in rest:
            f = Finding(
                rule="batch.duplicate",
                severity=Severity.WARNING,
                article=ART9_SCOPE,
                message=(
                    f"“{results[i].normalized}”与本批第{rows[first].row}行"
                    f"“{results[first].normalized}”同名或同音，只能选用其一。"
                ),
                conflicts=(f"row:{rows[first].row}",),
            )
            results[i] = replace(results[i], findings=(*results[i].findings, f))
    return results


def report_rows(rows: Sequence[BatchRow], results: Sequence[CheckResult]) -> list[list[str]]:
    out: list[list[str]] = []
    for row, res in zip(rows, results, strict=True):
        errors = [f for f in res.findings if f.severity is Severity.ERROR]
        out.append(
            [
                str(row.row),
                res.normalized,
                str(row.request.kind),
                row.request.admin_code,
                "是" if res.ok else "否",
                res.romanized,
                res.specific,
                res.generic,
                res.scope.label,
                str(len(errors)),
                str(len(res.findings) - len(errors)),
                "; ".join(f.rule for f in res.findings),
                "\n".join(f"[{f.severity}] {f.message}（{f.article}）" for f in res.findings),
                "; ".join(c for f in res.findings for c in f.conflicts),
            ]
        )
    return out


def report_csv(rows: Sequence[BatchRow], results: Sequence[CheckResult]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(REPORT_COLUMNS)
    w.writerows(report_rows(rows, results))
    return buf.getvalue().encode("utf-8-sig")


def report_xlsx(rows: Sequence[BatchRow], results: Sequence[CheckResult]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "地名审查"
    ws.append(list(REPORT_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    red = PatternFill("solid", fgColor="F8D7DA")
    for values in report_rows(rows, results):
        ws.append(values)
        if values[4] == "否":
            for cell in ws[ws.max_row]:
                cell.fill = red
        ws.cell(ws.max_row, 13).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip(
        "ABCDEFGHIJKLMN", (6, 16, 10, 14, 6, 22, 12, 8, 14, 6, 6, 30, 80, 24), strict=True
    ):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = ["BatchRow", "check_batch", "parse_csv", "report_csv", "report_xlsx"]

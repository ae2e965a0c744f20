"""Tables for people and for programs: one writer for CSV and Excel (``.xlsx``).

Every table the gazetteer hands out — exchange layers, coverage summaries, gap lists,
name-check reports — is rows (mappings) plus column specs. This module writes them so that
they open correctly in Excel on Chinese Windows, the program the offices actually use:

* **CSV** (:func:`write_csv`, :func:`csv_bytes`): UTF-8 *with* a byte-order mark by default
  (without it Excel reads UTF-8 as the ANSI code page, GBK, and shows mojibake); ``gbk`` or
  ``gb18030`` when asked (a character GBK cannot hold is an error naming the row and
  column, never a silent ``?``); CRLF line ends (RFC 4180).
* **Headers**: Chinese by default (``headers="zh"``, for people); ``headers="en"`` gives
  the machine form: English names and values as stored (codes plain, booleans
  ``true``/``false``, enumerations as their codes, lists as JSON).
* **Text Excel would change**: in the people form, a text value that Excel would turn into
  a number, date or formula (``371002001000`` -> ``3.71002E+11``, leading zeros lost,
  ``1-2`` -> 2 January, a leading ``=``/``+``/``-``/``@``) is written as ``="…"`` so Excel
  keeps it as text (values over 255 characters, the limit of a formula string, get a
  leading tab instead). This also defuses formula injection from user-entered names.
  :func:`unprotect` undoes both (the importer calls it), so the files read back unchanged.
* **Booleans** 是/否 and **enumerations** by their Chinese labels (``Column.labels``, taken
  from the model's vocabulary tables) in the people form.
* **xlsx** (:func:`write_xlsx`): one sheet per :class:`Table`, bold frozen header row with
  an autofilter, column widths fitted to the content (CJK characters count double), text
  cells stored as text with the ``@`` (Text) number format so Excel never converts a code,
  numbers as numbers to the last bit (openpyxl alone keeps 16 significant digits), fixed
  document timestamps so the same data gives the same content.

Usage::

    cols = [Column("code", "区划代码"), Column("name", "名称"),
            Column("covered", "是否覆盖", kind=ColumnKind.BOOL),
            Column("elderly", "老年人口", kind=ColumnKind.NUMBER)]
    write_csv(path, cols, rows)                          # people: BOM, 中文表头, ="371002001000"
    write_csv(path, cols, rows, headers="en", bom=False) # programs
    write_xlsx(path, [Table("覆盖情况", cols, rows)])
"""

from __future__ import annotations

import csv
import enum
import io
import json
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Literal, TypedDict, Unpack

from gazetteer.errors import InvalidInput

Headers = Literal["zh", "en"]
ENCODINGS = ("utf-8", "gbk", "gb18030")
XLSX_CELL_LIMIT = 32767  # characters in one Excel cell
FORMULA_TEXT_LIMIT = 255  # characters in a string constant inside an Excel formula
XLSX_MAX_WIDTH = 60
_STAMP = datetime(2020, 12, 31)  # fixed document times: same data, same workbook content


class ColumnKind(enum.StrEnum):
    """How a column's values are written."""

    TEXT = "text"  # codes, names, free text: always kept as text
    NUMBER = "number"  # int or float; None/NaN -> empty
    BOOL = "bool"  # 是/否 for people, true/false for programs


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the key of its value in each row and its headers.

    ``labels`` maps a stored value (as text) to its Chinese label, used in the people
    form (``headers="zh"``); unlisted values are written as they are.
    """

    key: str
    zh: str
    en: str = ""
    kind: ColumnKind = ColumnKind.TEXT
    labels: Mapping[str, str] = field(default_factory=dict)

    def header(self, headers: Headers) -> str:
        return self.zh if headers == "zh" else (self.en or self.key)


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet of a workbook: title (Chinese; ``en_title`` for ``headers="en"``)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Mapping[str, Any]]
    en_title: str = ""


# --- values -------------------------------------------------------------------------------

# What Excel (Chinese locale) turns into a number, date, time, percentage or boolean when
# it opens a CSV: digits with number/date punctuation, 2020年1月1日-style dates, TRUE/FALSE.
_EXCEL_CONVERTS = re.compile(
    r"\s*[-+(]?[\d.,\s]*\d[\d.,:/\s%eE+()-]*[¥$€%]?\s*"
    r"|\s*\d{1,4}\s*年\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?\s*"
    r"|\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*"
    r"|\s*(true|false)\s*",
    re.IGNORECASE,
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def needs_protection(text: str) -> bool:
    """True when Excel, opening a CSV, would not keep ``text`` as the same text."""
    if not text:
        return False
    return text.startswith(_FORMULA_START) or _EXCEL_CONVERTS.fullmatch(text) is not None


def protect(text: str) -> str:
    """``text`` in a form Excel opens as exactly that text (see the module docstring)."""
    if not needs_protection(text):
        return text
    if len(text) <= FORMULA_TEXT_LIMIT and "\n" not in text:
        return '="' + text.replace('"', '""') + '"'
    return "\t" + text


_PROTECTED = re.compile(r'="((?:[^"]|"")*)"', re.DOTALL)


def unprotect(value: str) -> str:
    """Undo :func:`protect` (``="…"`` wrapper or leading tab); other text unchanged."""
    if value.startswith('="') and value.endswith('"'):
        m = _PROTECTED.fullmatch(value)
        if m is not None:
            return m.group(1).replace('""', '"')
    if value.startswith("\t"):
        return value[1:]
    return value


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    f = float(value)
    return "" if math.isnan(f) else repr(f)


def _plain_text(value: Any, headers: Headers) -> str:
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
        return "、".join(items) if headers == "zh" else json.dumps(items, ensure_ascii=False)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cell_text(column: Column, value: Any, headers: Headers = "zh") -> str:
    """A value as it is written into a CSV cell."""
    if _is_blank(value):
        return ""
    if column.kind == ColumnKind.NUMBER:
        try:
            return _number_text(value)
        except (TypeError, ValueError):
            raise ValueError(f"not a number: {value!r}") from None
    if column.kind == ColumnKind.BOOL:
        truth = _truth(value)
        if headers == "zh":
            return "是" if truth else "否"
        return "true" if truth else "false"
    text = _plain_text(value, headers)
    if headers == "zh":
        text = column.labels.get(text, text)
        return protect(text)
    return text


def _truth(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "t", "yes", "y", "是")
    return bool(value)


# --- CSV ----------------------------------------------------------------------------------


def _check_encoding(encoding: str) -> str:
    enc = encoding.lower().replace("_", "-")
    if enc in ("utf8", "utf-8-sig"):
        enc = "utf-8"
    if enc in ("cp936", "gb2312"):
        enc = "gbk"
    if enc not in ENCODINGS:
        raise InvalidInput(
            f"不支持的编码 (unsupported encoding): {encoding}; use {', '.join(ENCODINGS)}"
        )
    return enc


def _encode_line(text: str, encoding: str, row: int, columns: Sequence[str]) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        # find the column the character sits in (the line is one CSV record)
        cells = next(csv.reader(io.StringIO(text)), [])
        where = next((columns[i] for i, c in enumerate(cells) if bad in c), "?")
        raise InvalidInput(
            f"第 {row} 行 {where} 列的字符 {bad!r} (U+{ord(bad[0]):04X}) 无法用 {encoding} 编码 "
            f"(row {row}, column {where}: character cannot be encoded in {encoding}); "
            "use --encoding gb18030 or utf-8"
        ) from None


class CsvFormat(TypedDict, total=False):
    """How a CSV is written: ``headers`` "zh" (Chinese titles, the default) or "en" (field
    names), the ``encoding`` (default utf-8) and whether a UTF-8 file starts with a byte
    order mark (``bom``, default true: Excel then reads it as UTF-8)."""

    headers: Headers
    encoding: str
    bom: bool


def iter_csv(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], **fmt: Unpack[CsvFormat]
) -> Iterable[bytes]:
    """The CSV file as chunks of bytes (for streaming responses); see :func:`write_csv`."""
    headers = fmt.get("headers", "zh")
    enc = _check_encoding(fmt.get("encoding", "utf-8"))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    names = [c.header(headers) for c in columns]
    writer.writerow(names)
    head = _encode_line(buf.getvalue(), enc, 1, names)
    yield (b"\xef\xbb\xbf" + head) if (fmt.get("bom", True) and enc == "utf-8") else head
    for number, row in enumerate(rows, start=2):
        buf.seek(0)
        buf.truncate()
        try:
            writer.writerow([cell_text(c, row.get(c.key), headers) for c in columns])
        except ValueError as exc:
            raise InvalidInput(f"第 {number} 行 (row {number}): {exc}") from None
        yield _encode_line(buf.getvalue(), enc, number, names)


def csv_bytes(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], **fmt: Unpack[CsvFormat]
) -> bytes:
    """The whole CSV file in memory (small tables); see :func:`write_csv`."""
    return b"".join(iter_csv(columns, rows, **fmt))


def write_csv(
    target: Path | IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    **fmt: Unpack[CsvFormat],
) -> None:
    """Write a CSV for Excel (defaults) or for programs (``headers="en"``, ``bom=False``).

    Raises :class:`InvalidInput` for an unsupported encoding, a character the encoding
    cannot hold (naming row and column) or a non-numeric value in a number column. A file
    target is written whole or not at all (a temporary file is renamed into place).
    """
    chunks = iter_csv(columns, rows, **fmt)
    if not isinstance(target, Path):
        for chunk in chunks:
            target.write(chunk)
        return
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


# --- Excel --------------------------------------------------------------------------------


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str) -> str:
    """A valid, at most 31-character Excel sheet name."""
    return _SHEET_BAD.sub("_", title)[:31] or "Sheet"


def xlsx_value(column: Column, value: Any, headers: Headers = "zh") -> Any:
    """A value as it is stored in an xlsx cell (text stays text, numbers numbers)."""
    if _is_blank(value):
        return None
    if column.kind == ColumnKind.NUMBER:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real):
            return float(value)
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"not a number: {value!r}") from None
        return int(f) if f.is_integer() and "." not in str(value) else f
    if column.kind == ColumnKind.BOOL:
        truth = _truth(value)
        if headers == "zh":
            return "是" if truth else "否"
        return truth
    text = _plain_text(value, headers)
    if headers == "zh":
        text = column.labels.get(text, text)
    return text


def write_xlsx(
    target: Path | IO[bytes],
    tables: Sequence[Table],
    *,
    headers: Headers = "zh",
) -> None:
    """Write one sheet per table (see the module docstring for the layout).

    A text longer than Excel's 32,767-character cell limit is an error naming sheet, row
    and column (callers drop such values first when they have a fuller copy elsewhere).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    wb.properties.creator = "weihai-gazetteer"
    wb.properties.created = _STAMP
    wb.properties.modified = _STAMP
    bold = Font(bold=True)
    for table in tables:
        use_en = headers == "en" and table.en_title
        title = sheet_title(table.en_title if use_en else table.title)
        ws = wb.create_sheet(title)
        columns = list(table.columns)
        names = [c.header(headers) for c in columns]
        text_cols = [
            c.kind == ColumnKind.TEXT or (c.kind == ColumnKind.BOOL and headers == "zh")
            for c in columns
        ]
        rows: list[list[Any]] = []
        for number, row in enumerate(table.rows, start=2):
            values = []
            for c in columns:
                try:
                    v = xlsx_value(c, row.get(c.key), headers)
                except ValueError as exc:
                    raise InvalidInput(
                        f"工作表 {title} 第 {number} 行 {c.header(headers)} 列: {exc}"
                    ) from None
                if isinstance(v, str) and len(v) > XLSX_CELL_LIMIT:
                    raise InvalidInput(
                        f"工作表 {title} 第 {number} 行 {c.header(headers)} 列超过 Excel 单元格 "
                        f"32767 字符上限 (sheet {title}, row {number}: text longer than an "
                        "Excel cell holds)"
                    )
                values.append(v)
            rows.append(values)
        widths = [_display_width(h) + 4 for h in names]  # room for the filter button
        for values in rows[:500]:
            for i, v in enumerate(values):
                if v is not None:
                    widths[i] = max(widths[i], _display_width(str(v)) + 2)
        for i, (w, is_text) in enumerate(zip(widths, text_cols, strict=True), start=1):
            dim = ws.column_dimensions[get_column_letter(i)]
            dim.width = min(w, XLSX_MAX_WIDTH)
            if is_text:
                dim.number_format = "@"  # what staff type into the column stays text
        ws.freeze_panes = "A2"
        last = get_column_letter(max(len(columns), 1))
        ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
        head = []
        for h in names:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for values in rows:
            out: list[Any] = []
            for v, is_text in zip(values, text_cols, strict=True):
                if is_text and isinstance(v, str) and needs_protection(v):
                    # a code or other text Excel would convert when retyped: Text format,
                    # and stored as a string even when it starts with '=' (no formulas)
                    cell = WriteOnlyCell(ws, value=v)
                    cell.data_type = "s"
                    cell.number_format = "@"
                    out.append(cell)
                elif type(v) is float and float(f"{v:.16g}") != v:
                    # openpyxl writes numbers with 16 significant digits; a double may need
                    # 17 to read back the same (coordinates to the last bit): write repr
                    cell = WriteOnlyCell(ws, value=repr(v))
                    cell.data_type = "n"
                    out.append(cell)
                else:
                    out.append(v)
            ws.append(out)
    wb.save(target)


__all__ = [
    "ENCODINGS",
    "XLSX_CELL_LIMIT",
    "Column",
    "ColumnKind",
    "CsvFormat",
    "Headers",
    "Table",
    "cell_text",
    "csv_bytes",
    "iter_csv",
    "needs_protection",
    "protect",
    "sheet_title",
    "unprotect",
    "write_csv",
    "write_xlsx",
    "xlsx_value",
]

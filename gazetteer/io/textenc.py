"""Text encodings of the files offices hold: UTF-8 (with or without BOM), GBK and GB18030.

Most Chinese shapefiles carry no ``.cpg`` and are GBK (ArcGIS on Chinese Windows writes the
ANSI code page, 936); CSV files saved by Excel on Chinese Windows are GBK too ("CSV (逗号分
隔)") unless "CSV UTF-8" was chosen, which adds a BOM. The choice is among few candidates,
so it is made by strict decoding rather than by a statistical guesser (which cannot name
the byte that is wrong):

1. a UTF-8 BOM means UTF-8;
2. text that decodes as UTF-8 is UTF-8 (GBK text almost never does: its two-byte
   characters break UTF-8's continuation-byte rules within a few characters);
3. otherwise GB18030 (a superset of GBK and GB2312, so GBK files decode with it) —
   unless the UTF-8 decode failed only at a few places among many valid multi-byte
   characters: that is a damaged UTF-8 file, and it is refused at the damaged byte rather
   than read as mojibake.

A file that decodes in neither is refused with the file, the row and the byte position
of the first bad byte (:class:`~gazetteer.errors.ImportFailed`, one row-level detail), and
nothing is stored. ``encoding=`` (the CLI's ``--encoding``) skips the detection but not the
check.
"""

from __future__ import annotations

import codecs
import csv
import io
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gazetteer.errors import ImportFailed, InvalidInput

UTF8 = "utf-8"
GB18030 = "gb18030"
BOM = codecs.BOM_UTF8
DELETED = 0x2A  # the deletion flag ("*") that starts a deleted .dbf record

# Names people and programs use for the encodings we read -> Python codec.
_ALIASES = {
    "utf8": UTF8,
    "utf-8": UTF8,
    "utf-8-sig": UTF8,
    "65001": UTF8,
    "gbk": GB18030,  # GB18030 is a superset: every GBK file decodes the same with it
    "cp936": GB18030,
    "936": GB18030,
    "ms936": GB18030,
    "gb2312": GB18030,
    "euc-cn": GB18030,
    "gb18030": GB18030,
    "54936": GB18030,
    "ansi 936": GB18030,
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-1": "latin-1",
    "ascii": "ascii",
    "big5": "big5",
    "cp950": "big5",
}


def codec_name(name: str) -> str:
    """The Python codec for an encoding name as found in ``.cpg`` files or given by users."""
    key = name.strip().lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise InvalidInput(
            f"未知编码 (unknown encoding): {name}; use utf-8, gbk or gb18030"
        ) from None


@dataclass(frozen=True, slots=True)
class BadBytes:
    """Where decoding failed: byte offset in the decoded buffer, the bytes, the codec."""

    offset: int
    data: bytes
    encoding: str
    forced: bool = False  # the encoding was given, not detected


def _first_error(data: bytes, encoding: str, forced: bool = False) -> BadBytes | None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return BadBytes(exc.start, data[exc.start : exc.start + 4], encoding, forced)
    return None


def _damaged_utf8(data: bytes, first_error: int) -> bool:
    """UTF-8 with a few bad bytes among many good multi-byte characters? Judged on a
    window around the first bad byte (GBK text fails UTF-8 at nearly every character)."""
    window = data[max(0, first_error - 65536) : first_error + 65536]
    text = window.decode(UTF8, errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good >= 4 * max(bad, 1)


def choose(data: bytes, encoding: str | None = None) -> tuple[str, BadBytes | None]:
    """(codec, first bad bytes or None) for ``data`` (a BOM is part of ``data``)."""
    if encoding is not None:
        codec = codec_name(encoding)
        body = data[len(BOM) :] if codec == UTF8 and data.startswith(BOM) else data
        bad = _first_error(body, codec, forced=True)
        if bad is not None and body is not data:
            bad = BadBytes(bad.offset + len(BOM), bad.data, bad.encoding, True)
        return codec, bad
    if data.startswith(BOM):
        bad = _first_error(data[len(BOM) :], UTF8)
        return UTF8, None if bad is None else BadBytes(bad.offset + len(BOM), bad.data, UTF8)
    bad_utf8 = _first_error(data, UTF8)
    if bad_utf8 is None:
        return UTF8, None
    if _damaged_utf8(data, bad_utf8.offset):
        return UTF8, bad_utf8
    return GB18030, _first_error(data, GB18030)


def _problem(bad: BadBytes, offset: int) -> str:
    label = {UTF8: "UTF-8", GB18030: "GBK/GB18030"}.get(bad.encoding, bad.encoding)
    what = f"无法按 {label} 解码 (cannot decode as {label}"
    if bad.encoding == GB18030 and not bad.forced:
        what = f"不是 UTF-8，也无法按 {label} 解码 (neither UTF-8 nor {label}"
    return (
        f"第 {offset} 字节 {what} at byte {offset}: {bad.data!r}); 文件已损坏或编码不符，"
        "可用 --encoding 指定 (the file is damaged or in another encoding; give --encoding)"
    )


def refuse(source: str, row: int, field: str, bad: BadBytes, offset: int, layer: str = "") -> None:
    """Raise the row-level error for undecodable text; nothing has been stored."""
    problem = _problem(bad, offset)
    where = f"{field}: " if field else ""
    raise ImportFailed(
        f"{source} 第 {row} 行 (row {row}) {where}{problem}; 未写入任何数据 (nothing was written)",
        details=[
            {"row": row, "layer": layer, "field": field, "problem": problem, "source": source}
        ],
    )


# --- CSV and other text files ---------------------------------------------------------------


def _csv_row_at(text_before: str) -> int:
    """The CSV record number (header = 1) holding the character after ``text_before``."""
    rows = sum(1 for _ in csv.reader(io.StringIO(text_before + "\x00")))
    return max(rows, 1)


def decode_text_file(
    path: Path, *, encoding: str | None = None, layer: str = ""
) -> tuple[str, str]:
    """(text without BOM, codec) of a CSV/text file; refuses undecodable text by row."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取 (cannot read) {path.name}: {exc}") from exc
    codec, bad = choose(data, encoding)
    start = len(BOM) if codec == UTF8 and data.startswith(BOM) else 0
    if bad is not None:
        before = data[start : bad.offset].decode(codec, errors="replace")
        refuse(path.name, _csv_row_at(before), "", bad, bad.offset, layer)
    return data[start:].decode(codec), codec


# --- dBASE (.dbf) tables of shapefiles ------------------------------------------------------

# dBASE "language driver" ids that name a Chinese code page (written by ArcGIS).
_LDID = {0x4D: GB18030, 0x7A: GB18030, 0x7B: GB18030}


@dataclass(frozen=True, slots=True)
class DbfField:
    name: bytes
    type: str
    offset: int  # within the record (after the deletion flag)
    length: int


@dataclass(frozen=True, slots=True)
class DbfLayout:
    records: int
    header_length: int
    record_length: int
    ldid: int
    fields: tuple[DbfField, ...]


def dbf_layout(data: bytes) -> DbfLayout:
    if len(data) < 32:
        raise InvalidInput("dBASE 文件过短 (the .dbf file is truncated)")
    records, header_length, record_length = struct.unpack("<IHH", data[4:12])
    fields = []
    pos, offset = 32, 1
    while pos + 32 <= min(header_length, len(data)) and data[pos] != 0x0D:
        raw = data[pos : pos + 32]
        name = raw[:11].split(b"\x00", 1)[0]
        length = raw[16]
        fields.append(DbfField(name, chr(raw[11]), offset, length))
        offset += length
        pos += 32
    return DbfLayout(records, header_length, record_length, data[29], tuple(fields))


def cpg_encoding(shp: Path) -> str | None:
    """The encoding a ``.cpg`` beside ``shp`` declares, if there is one."""
    for cpg in (shp.with_suffix(".cpg"), shp.with_suffix(".CPG")):
        if cpg.is_file():
            text = cpg.read_bytes().decode("ascii", errors="replace").strip()
            if text:
                return text
    return None


def _field_label(f: DbfField, codec: str) -> str:
    return f.name.decode(codec, errors="replace")


def shapefile_encoding(
    shp: Path, *, encoding: str | None = None, layer: str = ""
) -> tuple[str, str]:
    """(codec, how it was chosen) for the ``.dbf`` of ``shp``; refuses undecodable text.

    Order: ``encoding`` (``--encoding``), the ``.cpg``, then detection from the bytes of
    every text field of every record (and the field names). The chosen codec is checked
    against all of them, so a wrong ``.cpg`` or ``--encoding`` is refused too, naming the
    feature (row, from 1), the field and the byte position in the ``.dbf``.
    """
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.is_file()), None)
    if dbf is None:
        return UTF8, "no .dbf"
    declared, how = encoding, "--encoding"
    if declared is None:
        declared, how = cpg_encoding(shp), ".cpg"
    data = dbf.read_bytes()
    layout = dbf_layout(data)
    text_fields = [f for f in layout.fields if f.type in ("C", "M") and f.length > 0]
    n, reclen = layout.records, layout.record_length
    available = max(0, (len(data) - layout.header_length) // max(reclen, 1))
    n = min(n, available)
    table = np.frombuffer(data, np.uint8, count=n * reclen, offset=layout.header_length)
    table = table.reshape(n, reclen) if n else np.zeros((0, reclen), np.uint8)
    # records flagged deleted ("*", a .dbf edited without packing) are not features: the
    # reader skips them, so their bytes are not checked and the feature numbers skip them
    live = np.flatnonzero(table[:, 0] != DELETED) if n else np.zeros(0, np.intp)
    if len(live) < n:
        table = table[live]
    names = b"\x00".join(f.name for f in layout.fields)
    columns = []
    for f in text_fields:  # only columns with non-ASCII bytes need decoding
        block = table[:, f.offset : f.offset + f.length]
        if bool((block > 0x7F).any()):
            columns.append((f, block.tobytes()))
    if declared is None:
        sample = names + b"\x00" + b"\x00".join(c[: 1 << 20] for _, c in columns[:4])
        codec, _ = choose(sample)
        if codec == UTF8 and not _has_high(sample):
            codec = _LDID.get(layout.ldid, UTF8)  # plain ASCII: the header's language id
        how = "detected"
    else:
        codec = codec_name(declared)
    forced = declared is not None
    bad = _first_error(names, codec, forced)
    if bad is not None:
        refuse(shp.name, 0, "(field names)", bad, 32 + bad.offset, layer)
    for f, column in columns:
        start = 0  # the record from which the column is still unchecked
        while (bad := _first_error(column[start * f.length :], codec, forced)) is not None:
            record, within = divmod(bad.offset, f.length)
            record += start
            value = column[record * f.length : (record + 1) * f.length]
            if not _truncated_tail(value, within, codec):
                offset = layout.header_length + int(live[record]) * reclen + f.offset + within
                refuse(shp.name, record + 1, _field_label(f, codec), bad, offset, layer)
            start = record + 1  # a character cut by the field's byte limit: not damage
    return codec, how


def _has_high(data: bytes) -> bool:
    return any(b > 0x7F for b in data)


def _truncated_tail(value: bytes, within: int, codec: str) -> bool:
    """A multi-byte character cut at the end of a full-length field (only padding or
    nothing after it) is the writer's truncation, not damage: the reader drops it."""
    rest = value[within:].rstrip(b" \x00")
    if not rest or len(rest) > 3:
        return False
    head = value[:within]
    try:
        head.decode(codec)
    except UnicodeDecodeError:
        return False
    try:
        rest.decode(codec)
    except UnicodeDecodeError as exc:
        return bool(exc.reason in ("unexpected end of data", "incomplete multibyte sequence"))
    return False


__all__ = [
    "GB18030",
    "UTF8",
    "BadBytes",
    "choose",
    "codec_name",
    "cpg_encoding",
    "dbf_layout",
    "decode_text_file",
    "refuse",
    "shapefile_encoding",
]

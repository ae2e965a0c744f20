"""A synthetic national gazetteer with the census's shape, for loading and scale tests.

The second national place-name census holds about 13 million names. This module makes a
data set of that shape (any size) without real data:

* the administrative frame: the 31 provincial units with their real NBS codes and names,
  about 330 prefecture-level units, 2,840 county-level units (each province's real
  count) and some 40,000 towns, with NBS-style 12-digit codes (``PPCCDDTTT000``) and
  rectangular boundaries tiling a China-sized extent (provinces on a grid, each split
  into its prefectures, counties and towns); the schema's top level is 地级 (level 2), so a
  province is the first two digits of its codes, as the Weihai frame leaves out Shandong;
* ``names`` place names over the 10 major categories in census proportions (rural
  settlements, residential compounds, roads, bridges, mountains, rivers, reservoirs,
  units, buildings, parks, village committees …), each a specific of 1–4 characters
  from a pool of common place-name characters and its category's generic (村, 小区, 路,
  大桥, 水库 …), in a random town, at a random point of the town, with a 20-digit code,
  the exact search keys (``pinyin_key``, ``initials``; joined from those of the
  characters and the generic where no phrase starts in the specific) and census texts
  (meaning, origin, history, description) of realistic length, some left empty as in
  the census.

:func:`write_national` writes them as two CSV files in PostgreSQL's ``COPY … CSV HEADER``
form (``admin_areas.csv`` and ``places.csv``, geometries as EWKT) that
:mod:`gazetteer.demo.national_load` loads. The same seed gives the same files. The places
are built ``BATCH`` rows at a time, column by column with numpy, and streamed to the file
(memory stays bounded; about 40,000 rows a second on one core, 13 million in ~5 minutes).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gazetteer.text import initials, pinyin_key
from gazetteer.text.pinyin import phrase_starts
from gazetteer.types import SRID

# code, name, county-level units (about the real counts)
PROVINCES: tuple[tuple[str, str, int], ...] = (
    ("11", "北京市", 16), ("12", "天津市", 16), ("13", "河北省", 167), ("14", "山西省", 117),
    ("15", "内蒙古自治区", 103), ("21", "辽宁省", 100), ("22", "吉林省", 60),
    ("23", "黑龙江省", 121), ("31", "上海市", 16), ("32", "江苏省", 95), ("33", "浙江省", 90),
    ("34", "安徽省", 104), ("35", "福建省", 84), ("36", "江西省", 100), ("37", "山东省", 136),
    ("41", "河南省", 157), ("42", "湖北省", 103), ("43", "湖南省", 122), ("44", "广东省", 122),
    ("45", "广西壮族自治区", 111), ("46", "海南省", 25), ("50", "重庆市", 38),
    ("51", "四川省", 183), ("52", "贵州省", 88), ("53", "云南省", 129), ("54", "西藏自治区", 74),
    ("61", "陕西省", 107), ("62", "甘肃省", 86), ("63", "青海省", 44),
    ("64", "宁夏回族自治区", 22), ("65", "新疆维吾尔自治区", 107),
)  # fmt: skip
EXTENT = (75.0, 20.0, 133.0, 50.0)  # lon/lat box the provinces tile (8 x 4 cells)
TOWNS_PER_COUNTY = (8, 20)  # uniform: about 14 on average, 40,000 in all
CHARS = (
    "东西南北中上下前后左右大小新老古长高平安和兴隆昌盛福寿康宁泰永清明光华荣富贵金银"
    "玉石山水河湖海江溪泉林森松柏桃李杏梅花草竹青红白黄绿蓝紫云霞月星阳春秋冬夏龙凤"
    "鹤鹿马牛羊鸡王李张刘陈杨赵周吴徐孙朱胡郭何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范廖方石邹熊孟秦邱江尹薛段雷侯龚汤黎常"
    "家庄屯营寨堡坡岭峪沟湾店桥集坊园田洼塘湾滩岗坪坝口头里庙寺观台楼阁门关城堂"
    "丰广远乐德仁义信忠孝文武胜利团结友谊建设振兴幸福先锋红旗向阳朝阳曙光"
)
# subcategory: (weight in the census mix, generics)
CATEGORY_MIX: dict[str, tuple[float, tuple[str, ...]]] = {
    "22200": (24.0, ("村", "庄", "屯", "家庄", "营", "寨", "堡", "坡", "洼", "店")),
    "22110": (8.0, ("小区", "花园", "家园", "苑", "公寓", "新村", "名都")),
    "22100": (1.5, ("镇区", "集")),
    "23510": (11.0, ("路", "街", "巷", "大道", "胡同", "大街")),
    "23610": (5.0, ("桥", "大桥")),
    "23210": (1.0, ("公路", "线")),
    "23530": (2.0, ("站", "公交站")),
    "13100": (5.0, ("山", "峰", "岭", "顶", "尖")),
    "12100": (3.0, ("河", "江", "溪", "沟")),
    "12200": (0.8, ("湖", "泊", "淀")),
    "12500": (0.4, ("泉",)),
    "11500": (0.3, ("岛",)),
    "24230": (3.5, ("水库",)),
    "24210": (3.0, ("塘", "池", "坑塘")),
    "24400": (2.5, ("闸", "坝", "堰", "拦河闸")),
    "27300": (4.0, ("小学", "中学", "医院", "卫生院")),
    "27400": (3.0, ("公司", "厂", "农场")),
    "26100": (3.0, ("大厦", "楼", "中心")),
    "26310": (1.0, ("广场",)),
    "25200": (1.5, ("公园", "游园")),
    "25110": (0.5, ("纪念馆", "烈士陵园")),
    "21610": (5.0, ("村民委员会",)),
    "21620": (1.5, ("社区居民委员会",)),
    "21730": (0.7, ("工业园", "开发区")),
    "21770": (0.5, ("片区",)),
}
SPECIFIC_LENGTHS = ((1, 0.08), (2, 0.62), (3, 0.25), (4, 0.05))
YEARS = (1368, 2020)
PLACE_COLUMNS = (
    "code", "name", "specific", "generic", "romanized", "reading", "pinyin_key", "initials",
    "category_code", "admin_code", "meaning", "origin", "history", "description",
    "other_names", "established_year", "abolished_year", "status", "census_status", "source",
    "created_at", "updated_at", "version", "geom", "point",
)  # fmt: skip
ADMIN_COLUMNS = ("code", "name", "level", "kind", "parent_code", "ur_code", "geom", "centre")
STAMP = "2024-01-01 00:00:00+00:00"
NULL = "\\N"  # the files' NULL (COPY … NULL '\N'); an empty field is an empty text
BATCH = 100_000  # rows built at a time (bounded memory: ~0.2 GB a batch)
WRITE_BUFFER = 1 << 22


@dataclass(frozen=True, slots=True)
class Frame:
    """The administrative frame: every area's CSV row, and the towns as arrays."""

    areas: list[tuple[str, ...]]
    town_codes: list[str]
    town_boxes: np.ndarray  # (n, 4): minlon, minlat, maxlon, maxlat
    counties: int
    prefectures: int


def _split(box: tuple[float, ...], n: int) -> list[tuple[float, ...]]:
    """``n`` cells of a near-square grid over ``box`` (row by row)."""
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    x1, y1, x2, y2 = box
    w, h = (x2 - x1) / cols, (y2 - y1) / rows
    cells = [(i % cols, i // cols) for i in range(n)]
    return [(x1 + c * w, y1 + r * h, x1 + (c + 1) * w, y1 + (r + 1) * h) for c, r in cells]


def _polygon(b: tuple[float, ...]) -> str:
    x1, y1, x2, y2 = (round(v, 6) for v in b)
    return f"SRID={SRID};MULTIPOLYGON((({x1} {y1},{x2} {y1},{x2} {y2},{x1} {y2},{x1} {y1})))"


def _centre(b: tuple[float, ...]) -> str:
    return f"SRID={SRID};POINT({round((b[0] + b[2]) / 2, 6)} {round((b[1] + b[3]) / 2, 6)})"


def _area_name(rng: np.random.Generator, generic: str) -> str:
    n = 2 if rng.random() < 0.85 else 1
    return "".join(CHARS[i] for i in rng.integers(0, len(CHARS), n)) + generic


def national_frame(seed: int = 2024) -> Frame:
    """The frame (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    areas: list[tuple[str, ...]] = []
    town_codes: list[str] = []
    boxes: list[tuple[float, ...]] = []
    prefectures = counties = 0
    for (pcode, _pname, n_counties), pbox in zip(PROVINCES, _split(EXTENT, 32), strict=False):
        municipality = pcode in ("11", "12", "31", "50")
        n_pref = 1 if municipality else max(2, round(n_counties / 8.5))
        per = [n_counties // n_pref + (1 if i < n_counties % n_pref else 0) for i in range(n_pref)]
        for pi, (cbox, nc) in enumerate(zip(_split(pbox, n_pref), per, strict=True), start=1):
            prefectures += 1
            pref = f"{pcode}{pi:02d}00000000"
            name = _PNAME[pcode] if municipality else _area_name(rng, "市")
            areas.append((pref, name, "2", "地级市", NULL, NULL, _polygon(cbox), _centre(cbox)))
            for ci, dbox in enumerate(_split(cbox, nc), start=1):
                counties += 1
                county = f"{pref[:4]}{ci:02d}000000"
                kind = ("区", "县", "县级市")[int(rng.integers(0, 3))]
                areas.append(
                    (county, _area_name(rng, kind[0] if kind != "县级市" else "市"), "3", kind,
                     pref, NULL, _polygon(dbox), _centre(dbox))
                )  # fmt: skip
                nt = int(rng.integers(TOWNS_PER_COUNTY[0], TOWNS_PER_COUNTY[1] + 1))
                for ti, tbox in enumerate(_split(dbox, nt), start=1):
                    town = f"{county[:6]}{ti:03d}000"
                    kind = ("街道", "镇", "乡")[int(rng.integers(0, 3))]
                    areas.append(
                        (town, _area_name(rng, kind), "4", kind, county, NULL, _polygon(tbox),
                         _centre(tbox))
                    )  # fmt: skip
                    town_codes.append(town)
                    boxes.append(tbox)
    return Frame(areas, town_codes, np.array(boxes), counties, prefectures)


_PNAME = {code: name for code, name, _ in PROVINCES}


class _Pools:
    """The generator's strings as numpy arrays, with their search keys, built once."""

    def __init__(self) -> None:
        cats = list(CATEGORY_MIX)
        generics = [g for c in cats for g in CATEGORY_MIX[c][1]]
        chars = list(CHARS)
        self.cats = np.array(cats)
        weights = np.array([CATEGORY_MIX[c][0] for c in cats])
        self.weights = weights / weights.sum()
        self.gen_count = np.array([len(CATEGORY_MIX[c][1]) for c in cats])
        self.gen_offset = np.concatenate(([0], np.cumsum(self.gen_count)[:-1]))
        self.chars = np.array(chars)
        self.generics = np.array(generics)
        self.char_key = np.array([pinyin_key(c) for c in chars])
        self.char_ini = np.array([initials(c) for c in chars])
        self.gen_key = np.array([pinyin_key(g) for g in generics])
        self.gen_ini = np.array([initials(g) for g in generics])
        starts = phrase_starts()  # a phrase starting in the specific changes its reading
        self.pair = np.array([[a + b in starts for b in chars] for a in chars])
        self.join = np.array([[a + g[0] in starts for g in generics] for a in chars])
        sides = ("东", "南", "西", "北")
        self.where = np.array(
            [f"位于所在乡镇驻地{s}侧约{d}公里" for s in sides for d in range(1, 10)]
        )


def _cat(*parts: Any) -> Any:
    """Element-wise concatenation of string arrays (and plain strings)."""
    out = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return out


def _keys(
    pools: _Pools, chars: np.ndarray, spec_len: np.ndarray, gen: np.ndarray
) -> tuple[list[str], list[str], list[int]]:
    """``pinyin_key`` and ``initials`` of the names (specific + generic), exactly.

    Where no phrase starts in the specific (no pair of its characters, nor its last and
    the generic's first, begins a phrase: :func:`phrase_starts`) a name reads as its
    characters one by one and then its generic, so the keys are joined from those of
    the characters and generics; the other names go through the functions."""
    key, ini = pools.char_key[chars[:, 0]], pools.char_ini[chars[:, 0]]
    rows = np.arange(len(chars))
    phrase = pools.join[chars[rows, spec_len - 1], gen]
    for k in range(1, chars.shape[1]):
        more = spec_len > k
        key = np.where(more, _cat(key, " ", pools.char_key[chars[:, k]]), key)
        ini = np.where(more, _cat(ini, pools.char_ini[chars[:, k]]), ini)
        phrase |= more & pools.pair[chars[:, k - 1], chars[:, k]]
    keys = _cat(key, " ", pools.gen_key[gen]).tolist()
    inis = _cat(ini, pools.gen_ini[gen]).tolist()
    return keys, inis, np.flatnonzero(phrase).tolist()


def place_chunks(frame: Frame, names: int, seed: int = 2024) -> Iterator[str]:
    """The places' CSV lines (``PLACE_COLUMNS``, no header), ``BATCH`` rows a string.

    Built column by column with numpy, so a row costs one string format in Python."""
    rng = np.random.default_rng(seed + 1)
    pools = _Pools()
    lengths = np.array([n for n, _ in SPECIFIC_LENGTHS])
    length_p = np.array([p for _, p in SPECIFIC_LENGTHS])
    town_codes = np.array(frame.town_codes)
    for start in range(0, names, BATCH):
        n = min(BATCH, names - start)
        cat_idx = rng.choice(len(pools.cats), n, p=pools.weights)
        gen_pick = rng.random(n)
        spec_len = rng.choice(lengths, n, p=length_p)
        chars = rng.integers(0, len(CHARS), (n, 4))
        towns = rng.integers(0, len(frame.town_codes), n)
        b = frame.town_boxes[towns]
        fx, fy = rng.uniform(0.02, 0.98, n), rng.uniform(0.02, 0.98, n)
        lon = np.round(b[:, 0] + fx * (b[:, 2] - b[:, 0]), 6).astype(str)
        lat = np.round(b[:, 1] + fy * (b[:, 3] - b[:, 1]), 6).astype(str)
        years = rng.integers(YEARS[0], YEARS[1], n).astype(str)
        r = rng.random(n)
        gen = pools.gen_offset[cat_idx] + (gen_pick * pools.gen_count[cat_idx]).astype(np.int64)
        spec = spec0 = pools.chars[chars[:, 0]]
        for k in range(1, 4):
            spec = np.where(spec_len > k, _cat(spec, pools.chars[chars[:, k]]), spec)
        generic = pools.generics[gen]
        name = _cat(spec, generic)
        keys, inis, phrased = _keys(pools, chars, spec_len, gen)
        names_l = name.tolist()
        for i in phrased:
            keys[i], inis[i] = pinyin_key(names_l[i]), initials(names_l[i])
        # census texts (see the module docstring), some empty
        meaning = np.where(r < 0.7, _cat("以", spec, "得名，寓意吉祥兴旺"), "")
        origin = np.where(
            r < 0.55,
            _cat("相传", years, "年前后", spec0, "姓先民迁此定居，依地势取名", name),
            "",
        )
        history = np.where(
            r < 0.45,
            _cat(years, "年始有记载；1981年地名普查时登记；2014年第二次全国地名普查时核实为", name),
            "",
        )
        where = pools.where[(r * 40).astype(np.int64) % 4 * 9 + (r * 97).astype(np.int64) % 9]
        town = town_codes[towns]
        code = _cat(town, np.strings.zfill(np.arange(start, start + n).astype(str), 8))
        point = _cat(f"SRID={SRID};POINT(", lon, " ", lat, ")")
        year = np.where(r < 0.45, years, NULL)
        census = np.where(r < 0.8, "unchanged", "added")
        yield "".join(
            f"{c},{nm},{s},{g},,{NULL},{k},{i},{cat},{t},{m},{o},{h},{w},[],{y},"
            f"{NULL},current,{cs},national-synthetic,{STAMP},{STAMP},1,{p},{p}\n"
            for c, nm, s, g, k, i, cat, t, m, o, h, w, y, cs, p in zip(
                code.tolist(), names_l, spec.tolist(), generic.tolist(), keys, inis,
                pools.cats[cat_idx].tolist(), town.tolist(), meaning.tolist(), origin.tolist(),
                history.tolist(), where.tolist(), year.tolist(), census.tolist(),
                point.tolist(), strict=True,
            )
        )  # fmt: skip


def write_national(out: Path, names: int, seed: int = 2024) -> tuple[Path, Path, Frame]:
    """Write ``admin_areas.csv`` and ``places.csv`` into the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    frame = national_frame(seed)
    admin = out / "admin_areas.csv"
    with admin.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ADMIN_COLUMNS)
        w.writerows(frame.areas)
    places = out / "places.csv"
    with places.open("wb", buffering=WRITE_BUFFER) as fb:
        fb.write((",".join(PLACE_COLUMNS) + "\n").encode())
        for chunk in place_chunks(frame, names, seed):
            fb.write(chunk.encode())
    return admin, places, frame


__all__ = [
    "ADMIN_COLUMNS",
    "PLACE_COLUMNS",
    "PROVINCES",
    "Frame",
    "national_frame",
    "place_chunks",
    "write_national",
]

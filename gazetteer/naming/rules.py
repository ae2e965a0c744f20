"""The naming rules, each a small unit with an id, a severity, the article it applies and
a Chinese message a reviewer can paste into a reply.

Sources: 《地名管理条例》(国务院令第753号, 2022) art. 9 (composition, wording, uniqueness
scopes); 民发〔2018〕146号 (the "大、洋、怪、重" clean-up); local road-naming rules
(naming-standards.md §3.10) for stacked 通名, bare ordinals and the 大道/大街 table.

Content and structure rules are pure functions of the name (:func:`content_findings`);
conflict rules compare it with candidates from the same scope (:func:`conflict_findings`),
which :mod:`gazetteer.naming.check` fetches from the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from gazetteer.naming.model import PLACE_KIND_NAMES, Finding, PlaceKind, Scope, Severity
from gazetteer.naming.words import WordLists
from gazetteer.text import NameParts, is_common_char, is_han
from gazetteer.text.numerals import NUMERAL_CHARS
from gazetteer.text.pinyin import valid_bases

ART9 = "《地名管理条例》（2022）第九条"
ART9_SCOPE = "《地名管理条例》（2022）第九条（同一建成区/县域内不重名、避免同音）"
CLEANUP = "民发〔2018〕146号（清理整治“大、洋、怪、重”地名）"
LOCAL_ROADS = "地方道路命名规则（专名+通名、通名分级）"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    article: str
    title: str


def _r(id: str, severity: Severity, article: str, title: str) -> Rule:
    return Rule(id, severity, article, title)


E, W = Severity.ERROR, Severity.WARNING
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        _r("structure.missing_generic", E, ART9, "缺少通名"),
        _r("structure.bare_generic", E, f"{ART9}；{LOCAL_ROADS}", "只有通名没有专名"),
        _r("structure.bare_ordinal", E, LOCAL_ROADS, "单纯以序数作名称"),
        _r("structure.stacked_generic", E, f"{LOCAL_ROADS}；{CLEANUP}", "通名叠加"),
        _r(
            "structure.non_chinese",
            E,
            f"{ART9}（使用国家通用语言文字）；{CLEANUP}",
            "含字母数字符号",
        ),
        _r("structure.generic_kind", E, f"{ART9}（与实体的性质相符）", "通名与实体类别不符"),
        _r(
            "structure.road_class",
            W,
            f"{ART9}（与实体的规模相符）；{LOCAL_ROADS}",
            "通名与道路等级宽度不符",
        ),
        _r("content.rare_character", E, f"{ART9}（避免使用生僻字）", "生僻字"),
        _r("content.leader_name", E, f"{ART9}（不以国家领导人的名字命名）", "国家领导人姓名"),
        _r("content.foreign", E, f"{ART9}（不以外国人名、地名命名）；{CLEANUP}", "洋名"),
        _r("content.exaggerated", E, f"{ART9}（含义健康、与实体相符）；{CLEANUP}", "夸大"),
        _r("content.feudal", E, f"{ART9}（不违背公序良俗）；{CLEANUP}", "封建色彩"),
        _r("content.enterprise", E, f"{ART9}（不以企业名称或商标名称命名）", "企业名称或商标"),
        _r("conflict.duplicate", E, ART9_SCOPE, "重名"),
        _r("conflict.homophone_same_tone", E, ART9_SCOPE, "同音同调"),
        _r("conflict.homophone", E, ART9_SCOPE, "同音"),
        _r("conflict.near_homophone", W, ART9_SCOPE, "近音"),
        _r("conflict.same_specific", W, ART9_SCOPE, "专名相同通名不同"),
        _r(
            "location.admin_mismatch",
            E,
            "《地名管理条例》第十四条（公告载明地名的位置）；统计用区划代码",
            "行政区划与位置不符",
        ),
    )
}

# Which 通名 classes (gazetteer/text/data/generics.tsv) fit each kind of feature.
KIND_GENERIC_CLASSES: dict[PlaceKind, frozenset[str]] = {
    PlaceKind.ROAD: frozenset({"road"}),
    PlaceKind.COMPOUND: frozenset({"residential"}),
    PlaceKind.BUILDING: frozenset({"residential", "facility"}),
    PlaceKind.VILLAGE: frozenset({"settlement", "residential", "admin"}),
    PlaceKind.TOWN: frozenset({"admin"}),
}
KIND_GENERIC_EXAMPLES: dict[PlaceKind, str] = {
    PlaceKind.ROAD: "路、街、大道、大街、巷、胡同等",
    PlaceKind.COMPOUND: "小区、花园、苑、园、家园、山庄、新村等",
    PlaceKind.BUILDING: "大厦、大楼、公寓、中心等",
    PlaceKind.VILLAGE: "村、庄、疃、泊、社区等",
    PlaceKind.TOWN: "镇、乡、街道",
}


def finding(
    rule_id: str, message: str, conflicts: Iterable[str] = (), *, severity: Severity | None = None
) -> Finding:
    rule = RULES[rule_id]
    return Finding(
        rule=rule.id,
        severity=severity or rule.severity,
        article=rule.article,
        message=message,
        conflicts=tuple(conflicts),
    )


@dataclass(frozen=True, slots=True)
class NameFacts:
    """Everything the rules need to know about the candidate name, computed once."""

    name: str  # normalised
    parts: NameParts
    romanized: str
    pinyin_key: str
    toned_key: str

    @property
    def specific(self) -> str:
        return self.parts.specific + self.parts.ordinal

    @property
    def generic(self) -> str:
        return self.parts.generic


_ORDINAL_ONLY = re.compile(f"^第?[{''.join(sorted(NUMERAL_CHARS))}0-9]+$")
_DIGIT_NAMES = "〇一二三四五六七八九"


def _chinese_digits(text: str) -> str:
    return "".join(_DIGIT_NAMES[int(c)] if c.isascii() and c.isdigit() else c for c in text)


# --- structure ---------------------------------------------------------------------------


def structure_findings(
    facts: NameFacts,
    kind: PlaceKind,
    words: WordLists,
    *,
    width_m: float | None = None,
    grade: str = "",
) -> list[Finding]:
    out: list[Finding] = []
    name, parts = facts.name, facts.parts
    odd = sorted({c for c in name if not is_han(c)})
    if odd:
        shown = "".join(odd).replace(" ", "空格")
        hint = ""
        if any(c.isascii() and c.isdigit() for c in odd):
            hint = f"，序数应写作汉字（如“{_chinese_digits(name)}”）"
        out.append(
            finding(
                "structure.non_chinese",
                f"“{name}”含有字母、数字或符号“{shown}”，地名应使用规范汉字书写{hint}。",
            )
        )
    if not parts.generic:
        sev = W if kind is PlaceKind.VILLAGE or parts.fused else None
        out.append(
            finding(
                "structure.missing_generic",
                f"“{name}”缺少通名，地名应由专名和通名构成（{KIND_GENERIC_EXAMPLES[kind]}）。",
                severity=sev,
            )
        )
        return out
    if not parts.specific and not parts.ordinal:
        out.append(
            finding(
                "structure.bare_generic",
                f"“{name}”只有通名，没有专名，不能单独作为地名。",
            )
        )
    elif not parts.specific or _ORDINAL_ONLY.match(parts.specific + parts.ordinal):
        out.append(
            finding(
                "structure.bare_ordinal",
                f"“{name}”以单纯序数作专名，不符合道路命名规则，请使用有含义的专名。",
            )
        )
    spec = parts.specific
    for stacked in sorted(words.plain("stacked_generics"), key=len, reverse=True):
        if len(spec) > len(stacked) and spec.endswith(stacked):
            out.append(
                finding(
                    "structure.stacked_generic",
                    f"“{name}”通名叠加（“{stacked}”+“{parts.generic}”），一个地名只能有一个通名。",
                )
            )
            break
    fits = KIND_GENERIC_CLASSES[kind]
    if parts.generic_class not in fits:
        out.append(
            finding(
                "structure.generic_kind",
                f"通名“{parts.generic}”与实体类别不符：{_kind_label(kind)}的通名应为"
                f"{KIND_GENERIC_EXAMPLES[kind]}。",
            )
        )
    elif kind is PlaceKind.ROAD:
        out.extend(_road_class_findings(facts, words, width_m=width_m, grade=grade))
    return out


def _kind_label(kind: PlaceKind) -> str:
    return PLACE_KIND_NAMES[kind]


def _road_class_findings(
    facts: NameFacts, words: WordLists, *, width_m: float | None, grade: str
) -> list[Finding]:
    generic = facts.generic
    rule = words.road_generics.get(generic)
    if rule is None and len(generic) > 1 and generic[0] in "东西南北中上下前后":
        rule = words.road_generics.get(generic[1:])
    if rule is None:
        return []
    problems: list[str] = []
    if width_m is not None:
        if rule.min_width_m is not None and width_m < rule.min_width_m:
            problems.append(f"宽{width_m:g}米，小于“{rule.generic}”要求的{rule.min_width_m:g}米")
        if rule.max_width_m is not None and width_m > rule.max_width_m:
            problems.append(f"宽{width_m:g}米，超过“{rule.generic}”的上限{rule.max_width_m:g}米")
    if grade and rule.grades and grade not in rule.grades:
        problems.append(
            f"道路等级为{grade}，“{rule.generic}”适用于{'、'.join(sorted(rule.grades))}"
        )
    if not problems:
        return []
    note = f"（{rule.note}）" if rule.note else ""
    return [
        finding(
            "structure.road_class",
            f"“{facts.name}”的通名与道路规模不符：{'；'.join(problems)}{note}。",
        )
    ]


# --- forbidden content -------------------------------------------------------------------

_LIST_RULES = (
    ("leaders", "content.leader_name", "含国家领导人姓名“{w}”，地名不得以国家领导人的名字命名"),
    ("foreign", "content.foreign", "含外国人名、地名或外语词“{w}”（洋名），不得使用"),
    ("exaggerated", "content.exaggerated", "含夸大词语“{w}”（大），与实体规模不符"),
    ("feudal", "content.feudal", "含封建色彩词语“{w}”"),
    ("enterprises", "content.enterprise", "含企业名称或商标“{w}”，地名不得以企业名称或商标命名"),
)


def content_findings(facts: NameFacts, words: WordLists) -> list[Finding]:
    out: list[Finding] = []
    rare = [c for c in facts.name if is_han(c) and not is_common_char(c)]
    if rare:
        out.append(
            finding(
                "content.rare_character",
                f"“{facts.name}”含生僻字“{'、'.join(dict.fromkeys(rare))}”"
                "（不在通用规范汉字常用范围内），应避免使用。",
            )
        )
    for list_name, rule_id, template in _LIST_RULES:
        hits = [w for w in words.words(list_name) if w.word in facts.name]
        if not hits:
            continue
        # one finding per list: the longest hit, with the strongest severity of its hits
        hits.sort(key=lambda w: (w.severity is not Severity.ERROR, -len(w.word)))
        w = hits[0]
        note = f"（{w.note}）" if w.note else ""
        out.append(
            finding(
                rule_id,
                f"“{facts.name}”" + template.format(w=w.word) + note + "。",
                severity=w.severity,
            )
        )
    return out


# --- conflicts in the scope --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """An existing name in the scope: a place or a case still in the pipeline."""

    ref: str  # "place:123" or "case:WH-DM-2024-0001"
    name: str
    pinyin_key: str
    toned_key: str
    specific: str
    generic: str
    what: str  # "已有地名" / "在审案件"


def conflict_findings(
    facts: NameFacts, candidates: Sequence[Candidate], scope: Scope
) -> list[Finding]:
    dup: list[Candidate] = []
    toned: list[Candidate] = []
    homo: list[Candidate] = []
    near: list[Candidate] = []
    same_spec: list[Candidate] = []
    fuzzy_self = fuzzy_key(facts.pinyin_key)
    for c in candidates:
        if c.name == facts.name:
            dup.append(c)
        elif c.pinyin_key == facts.pinyin_key and c.toned_key == facts.toned_key:
            toned.append(c)
        elif c.pinyin_key == facts.pinyin_key:
            homo.append(c)
        elif fuzzy_key(c.pinyin_key) == fuzzy_self:
            near.append(c)
        elif (
            c.specific == facts.specific
            and facts.specific
            and _base_generic(c.generic) != _base_generic(facts.generic)
        ):
            same_spec.append(c)
    out: list[Finding] = []
    where = scope.label

    def names(cs: Sequence[Candidate]) -> str:
        return "、".join(f"“{c.name}”（{c.what} {c.ref}）" for c in cs[:5])

    if dup:
        out.append(
            finding(
                "conflict.duplicate",
                f"“{facts.name}”与{where}内{names(dup)}重名，同一范围内地名不得重复。",
                (c.ref for c in dup),
            )
        )
    if toned:
        out.append(
            finding(
                "conflict.homophone_same_tone",
                f"“{facts.name}”与{where}内{names(toned)}读音完全相同（同音同调，"
                f"{facts.toned_key}），极易混淆，应避免。",
                (c.ref for c in toned),
            )
        )
    if homo:
        out.append(
            finding(
                "conflict.homophone",
                f"“{facts.name}”与{where}内{names(homo)}同音（{facts.pinyin_key}），应避免同音地名。",
                (c.ref for c in homo),
            )
        )
    if near:
        out.append(
            finding(
                "conflict.near_homophone",
                f"“{facts.name}”与{where}内{names(near)}读音相近（平翘舌、前后鼻音或n/l不分时同音），"
                "建议避免。",
                (c.ref for c in near),
            )
        )
    if same_spec:
        out.append(
            finding(
                "conflict.same_specific",
                f"“{facts.name}”与{where}内{names(same_spec)}专名相同、通名不同，易混淆，建议调整。",
                (c.ref for c in same_spec),
            )
        )
    return out


def _base_generic(generic: str) -> str:
    if len(generic) > 1 and generic[0] in "东西南北中上下前后":
        return generic[1:]
    return generic


# --- fuzzy (near-homophone) keys ---------------------------------------------------------

_INITIAL_FOLDS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FINAL_FOLDS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=65536)
def _fold(syl: str) -> str:
    for long, short in _INITIAL_FOLDS:
        if syl.startswith(long):
            syl = short + syl[len(long) :]
            break
    for long, short in _FINAL_FOLDS:
        if syl.endswith(long):
            return syl[: -len(long)] + short
    return syl


def fuzzy_key(key: str) -> str:
    """The key with near-homophone foldings (zh=z, ch=c, sh=s, n=l, ang=an, eng=en, ing=in)."""
    return " ".join(_fold(s) for s in key.split(" "))


@lru_cache(maxsize=65536)
def _syllable_variants(syl: str) -> tuple[str, ...]:
    folded = _fold(syl)
    heads = {folded}
    for long, short in _INITIAL_FOLDS:
        if folded.startswith(short) and not (short == "n" and long == "l"):
            heads.add(long + folded[len(short) :])
    if folded.startswith("n"):
        heads.add("l" + folded[1:])
    elif folded.startswith("l"):
        heads.add("n" + folded[1:])
    out: set[str] = set()
    for h in heads:
        out.add(h)
        for long, short in _FINAL_FOLDS:
            if h.endswith(short):
                out.add(h[: -len(short)] + long)
    valid = valid_bases()
    return tuple(sorted(v for v in out if v.replace("v", "ü") in valid or not v.isalpha()))


def near_keys(key: str, *, limit: int = 512) -> list[str]:
    """Every pinyin key that sounds like ``key`` under the fuzzy foldings (bounded)."""
    keys = [""]
    for syl in key.split(" "):
        variants = _syllable_variants(syl) or (syl,)
        keys = [f"{k} {v}" if k else v for k in keys for v in variants]
        if len(keys) > limit:
            return sorted({key, *keys[:limit]})
    return sorted(set(keys) | {key})


__all__ = [
    "RULES",
    "Candidate",
    "NameFacts",
    "Rule",
    "conflict_findings",
    "content_findings",
    "fuzzy_key",
    "near_keys",
    "structure_findings",
]

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
from gazetteer.text import NameParts, is_common_char, is_han, pinyin_key
from gazetteer.text._data import generics, known_place_codes
from gazetteer.text.numerals import NUMERAL_CHARS
from gazetteer.text.places import ADMIN_GENERICS
from gazetteer.text.standard_chars import TABLE_CITATION, nonstandard_chars

REG = "《地名管理条例》（2022，国务院令第753号）"
IMPL = "《地名管理条例实施办法》（2024，民政部令第71号）"
ART9 = f"{REG}第九条第一款"
CLEANUP = "民发〔2018〕146号（清理整治“大、洋、怪、重”地名）"
# Local road-naming rules (naming-standards.md §3.10) have no 文号 here: rules resting on
# them alone are warnings.
LOCAL_ROADS = "地方道路命名规则（无文号，仅作提示）"
_ITEMS = "一二三四五六七八九十"


def art9(item: int, text: str) -> str:
    """条/款/项 citation of art. 9 para. 1 item ``item`` (1-10) with its wording."""
    return f"{ART9}第（{_ITEMS[item - 1]}）项（{text}）"


COMPOSITION = f"{ART9}（地名由专名和通名两部分组成）"
ITEM1 = art9(1, "含义明确、健康，不违背公序良俗")
ITEM2 = art9(2, "符合地理实体的实际地域、规模、性质等特征")
ITEM3 = art9(3, "使用国家通用语言文字，避免使用生僻字")
ITEM4 = art9(4, "一般不以人名作地名，不以国家领导人的名字作地名")
ITEM5 = art9(5, "不以外国人名、地名作地名")
ITEM6 = art9(6, "不以企业名称或者商标名称作地名")
ITEM7 = art9(7, "著名自然地理实体名称、全国县级以上行政区划名称不应重名，并避免同音")
ITEM8 = art9(8, "同一范围内不应重名，并避免同音")
ITEM9 = art9(9, "不以著名自然地理实体、历史文化遗产遗址、超出本行政区域的实体名称作政区专名")
ITEM10 = art9(10, "重要设施名称一般应当与所在地地名统一")
ART10 = f"{REG}第十条第二款（具有重要历史文化价值、体现中华历史文脉的地名，一般不得更名）"
ART11 = f"{REG}第十一条第二款（综合评估、专家论证、征求意见）；{IMPL}第五条"
ART25 = f"{REG}第二十五条（保护名录）"
IMPL3 = f"{IMPL}第三条（人名包括本名及其别名、化名等，文艺作品中的人物角色名称）"
IMPL4 = f"{IMPL}第四条（与企业名称或者商标名称不存在特定联系的除外）"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    article: str
    title: str
    # whether a reviewer may grant an exception (recorded with its reason)
    exception: bool = False


def _r(id: str, severity: Severity, article: str, title: str, exception: bool = False) -> Rule:
    return Rule(id, severity, article, title, exception)


E, W = Severity.ERROR, Severity.WARNING
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        _r("structure.missing_generic", E, COMPOSITION, "缺少通名"),
        _r("structure.unknown_generic", W, COMPOSITION, "通名不在通名表中"),
        _r("structure.bare_generic", E, COMPOSITION, "只有通名没有专名"),
        _r("structure.bare_ordinal", E, f"{ITEM1}；{LOCAL_ROADS}", "单纯以序数作名称"),
        _r("structure.stacked_generic", E, f"{COMPOSITION}；{CLEANUP}", "通名叠加"),
        _r("structure.non_chinese", E, f"{ITEM3}；{CLEANUP}", "含字母数字符号"),
        _r("structure.generic_kind", E, ITEM2, "通名与实体类别不符"),
        _r("structure.road_class", W, f"{ITEM2}；{LOCAL_ROADS}", "通名与道路等级宽度不符"),
        _r("content.rare_character", E, ITEM3, "生僻字"),
        _r("content.nonstandard_character", E, ITEM3, "繁体字、异体字或旧字形"),
        _r("content.character_table_missing", W, ITEM3, "未能对照《通用规范汉字表》"),
        _r("content.leader_name", E, ITEM4, "国家领导人姓名"),
        _r("content.person_name", W, f"{ITEM4}；{IMPL3}", "人名", True),
        _r("content.foreign", E, f"{ITEM5}；{CLEANUP}", "洋名", True),
        _r("content.exaggerated", E, f"{ITEM2}；{CLEANUP}", "夸大"),
        _r("content.feudal", E, f"{ITEM1}；{CLEANUP}", "封建色彩"),
        _r("content.public_order", E, ITEM1, "违背公序良俗"),
        _r("content.enterprise", E, f"{ITEM6}；{IMPL4}", "企业名称或商标", True),
        _r("content.famous_feature", E, ITEM9, "以著名地理实体或遗产作政区专名", True),
        _r("content.facility_place", W, ITEM10, "设施名称未与所在地地名统一"),
        _r("conflict.national", E, ITEM7, "全国县级以上行政区划重名"),
        _r("conflict.national_homophone", W, ITEM7, "全国县级以上行政区划同音"),
        _r("conflict.duplicate", E, ITEM8, "重名"),
        _r("conflict.homophone_same_tone", E, ITEM8, "同音同调"),
        _r("conflict.homophone", E, ITEM8, "同音"),
        _r("conflict.near_homophone", W, ITEM8, "近音"),
        _r("conflict.same_specific", W, ITEM8, "专名相同通名不同"),
        _r("conflict.scope_unchecked", W, ITEM8, "范围未能完整核对"),
        _r("protection.rename", E, f"{ART10}；{ART25}；{ART11}", "更名保护名录地名", True),
        _r(
            "location.admin_mismatch",
            E,
            "GB/T 2260《中华人民共和国行政区划代码》；国家统计局《统计用区划和城乡划分代码》"
            "（所填区划须与地名位置一致；否则数据不能导出恢复）",
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
        han = [c for c in name if is_han(c)]
        if len(han) >= 3 and not parts.fused:
            # the last word may well be a 通名 the table lacks: say so, do not refuse
            out.append(
                finding(
                    "structure.unknown_generic",
                    f"“{name}”的末字“{han[-1]}”不在通名表中（通名不在通名表中），请核对其通名"
                    f"（{_kind_label(kind)}常用：{KIND_GENERIC_EXAMPLES[kind]}）。",
                )
            )
            return out
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
    fits = KIND_GENERIC_CLASSES[kind]
    for stacked in sorted(words.plain("stacked_generics"), key=len, reverse=True):
        if len(spec) > len(stacked) and spec.endswith(stacked):
            # a name built on another feature's name with its 通名 is legitimate (人民广场路,
            # 王家村路: the road is named after the square or the village); stacking is two
            # 通名 of the same kind of feature (环球大厦广场, 幸福花园小区)
            inner = generics().get(stacked)
            if inner is not None and inner not in fits and inner != parts.generic_class:
                break
            out.append(
                finding(
                    "structure.stacked_generic",
                    f"“{name}”通名叠加（“{stacked}”+“{parts.generic}”），一个地名只能有一个通名。",
                )
            )
            break
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
    (
        "persons",
        "content.person_name",
        "含人名“{w}”，地名一般不以人名命名；与该人无特定联系的，由审查人准予例外并记录理由",
    ),
    ("foreign", "content.foreign", "含外国人名、地名或外语词“{w}”（洋名），不得使用"),
    ("exaggerated", "content.exaggerated", "含夸大词语“{w}”（大），与实体规模不符"),
    ("feudal", "content.feudal", "含封建色彩词语“{w}”"),
    ("public_order", "content.public_order", "含违背公序良俗的词语“{w}”"),
    (
        "enterprises",
        "content.enterprise",
        "含企业名称或商标“{w}”，地名不得以企业名称或商标命名；与企业无特定联系的，"
        "由审查人准予例外并记录理由",
    ),
)


def script_findings(raw_name: str) -> list[Finding]:
    """Art. 9(3) against the 《通用规范汉字表》, on the name as written (before the
    traditional -> simplified normalisation: a traditional form is a finding, not silently
    converted). Characters of the table are never rare."""
    import unicodedata

    text = unicodedata.normalize("NFKC", raw_name)
    found = nonstandard_chars(text)
    if found is None:
        rare = [c for c in text if is_han(c) and not is_common_char(c)]
        out = [
            finding(
                "content.character_table_missing",
                f"未找到{TABLE_CITATION}，按GB 2312近似核对用字，请人工复核。",
            )
        ]
        if rare:
            out.append(
                finding(
                    "content.rare_character",
                    f"“{text}”含生僻字“{'、'.join(dict.fromkeys(rare))}”（GB 2312以外，"
                    "近似判断），应避免使用。",
                    severity=Severity.WARNING,
                )
            )
        return out
    out = []
    variants = [n for n in found if n.standard]
    rare = [n.char for n in found if not n.standard]
    if variants:
        shown = "、".join(f"“{n.char}”应为“{n.standard}”" for n in variants)
        out.append(
            finding(
                "content.nonstandard_character",
                f"“{text}”含繁体字、异体字或旧字形（不在{TABLE_CITATION}内）：{shown}，"
                "请改用规范字后重新提交。",
            )
        )
    if rare:
        out.append(
            finding(
                "content.rare_character",
                f"“{text}”含生僻字“{'、'.join(rare)}”（不在{TABLE_CITATION}内），应避免使用。",
            )
        )
    return out


def content_findings(facts: NameFacts, words: WordLists) -> list[Finding]:
    out: list[Finding] = []
    for list_name, rule_id, template in _LIST_RULES:
        hits = [w for w in words.words(list_name) if w.word in facts.name]
        if not hits:
            continue
        # one finding per list: the longest hit, with the strongest severity of its hits
        hits.sort(key=lambda w: (w.severity is not Severity.ERROR, -len(w.word)))
        w = hits[0]
        note = f"（{w.note}）" if w.note else ""
        source = f"［依据：{w.source}］" if w.source else ""
        out.append(
            finding(
                rule_id,
                f"“{facts.name}”" + template.format(w=w.word) + note + "。" + source,
                severity=w.severity,
            )
        )
    return out


def division_findings(facts: NameFacts, kind: PlaceKind, words: WordLists) -> list[Finding]:
    """Art. 9(9): the 专名 of an administrative division (乡镇、街道) is not the name of a
    famous natural feature, heritage site or a feature beyond the area."""
    if kind is not PlaceKind.TOWN:
        return []
    hits = [w for w in words.words("famous") if w.word in facts.specific]
    if not hits:
        return []
    w = max(hits, key=lambda w: len(w.word))
    note = f"（{w.note}）" if w.note else ""
    return [
        finding(
            "content.famous_feature",
            f"“{facts.name}”以国内著名的自然地理实体或历史文化遗产“{w.word}”{note}作行政区划专名；"
            "如确系以当地同名地理实体命名，由审查人准予例外并记录理由。",
            severity=w.severity,
        )
    ]


_FACILITY_CLASSES = frozenset({"transport", "facility"})


def facility_findings(facts: NameFacts, local_names: Sequence[str]) -> list[Finding]:
    """Art. 9(10): names of important transport, water, power ... facilities should agree
    with the name of the place where they are (a warning: 一般应当)."""
    if facts.parts.generic_class not in _FACILITY_CLASSES or not local_names:
        return []
    bases = {_strip_admin(n) for n in local_names if n}
    if any(b and b in facts.name for b in bases):
        return []
    shown = "、".join(sorted(b for b in bases if b)[:3])
    return [
        finding(
            "content.facility_place",
            f"“{facts.name}”为设施名称，一般应当与所在地地名（{shown}）统一，请说明理由。",
        )
    ]


def _strip_admin(name: str) -> str:
    for generic in ADMIN_GENERICS:
        if name.endswith(generic) and len(name) > len(generic):
            return name[: -len(generic)]
    return name


_COUNTY_GENERICS = ("自治县", "自治旗", "县", "市", "区", "旗")


def national_findings(facts: NameFacts) -> list[Finding]:
    """Art. 9(7): county-level names are unique nationwide and avoid homophones. Applies to
    names whose 通名 is a county-level one (县、市、区、旗)."""
    if not facts.generic or facts.generic not in _COUNTY_GENERICS:
        return []
    codes = known_place_codes()
    same = [n for n, c in codes.items() if n == facts.name and len(c) == 6]
    if same:
        return [
            finding(
                "conflict.national",
                f"“{facts.name}”与全国已有县级以上行政区划名称“{same[0]}”（{codes[same[0]]}）重名。",
                (f"division:{codes[same[0]]}",),
            )
        ]
    homo = [
        n
        for n, c in codes.items()
        if len(c) == 6 and n.endswith(facts.generic) and _key(n) == facts.pinyin_key
    ]
    if homo:
        return [
            finding(
                "conflict.national_homophone",
                f"“{facts.name}”与全国已有县级以上行政区划名称{'、'.join(homo[:3])}同音，应避免。",
                tuple(f"division:{codes[n]}" for n in homo[:3]),
            )
        ]
    return []


@lru_cache(maxsize=8192)
def _key(name: str) -> str:
    return pinyin_key(name)


def protection_findings(
    old_name: str, words: WordLists, records: Iterable[str] = ()
) -> list[Finding]:
    """Art. 10 para. 2 and art. 25: renaming a name on the protection list (保护名录) needs
    the art. 11 reports (综合评估 and 专家论证; 实施办法 art. 5) recorded on the case.
    ``records``: the kinds of report already recorded ('evaluation', 'expert_review',
    'consultation')."""
    listed = {w.word: w for w in words.words("protected")}
    if old_name not in listed:
        return []
    missing = [
        label
        for kind, label in (("evaluation", "综合评估报告"), ("expert_review", "专家论证报告"))
        if kind not in set(records)
    ]
    w = listed[old_name]
    note = f"（{w.note}）" if w.note else ""
    if not missing:
        return [
            finding(
                "protection.rename",
                f"“{old_name}”{note}列入地名保护名录，更名的综合评估和专家论证报告已记录；"
                "所在地人民政府应预先制定保护措施（第二十五条）。",
                severity=Severity.WARNING,
            )
        ]
    return [
        finding(
            "protection.rename",
            f"“{old_name}”{note}列入地名保护名录，一般不得更名；确需更名的，案件须记录"
            f"{'、'.join(missing)}。",
        )
    ]


def scope_findings(kind: PlaceKind, scope: Scope, *, complete: bool) -> list[Finding]:
    """Art. 9(8) by kind: towns within the province, village seats within the county,
    streets and important compounds/buildings within the built-up area. When the database
    does not hold the whole scope, say which scope could not be checked."""
    if complete:
        return []
    wanted = {
        PlaceKind.TOWN: "同一个省级行政区域（乡、镇名称）",
        PlaceKind.VILLAGE: "同一个县级行政区域（村民委员会、居民委员会所在地名称）",
        PlaceKind.ROAD: "同一个建成区（街路巷名称）",
        PlaceKind.COMPOUND: "同一个建成区（住宅区名称）",
        PlaceKind.BUILDING: "同一个建成区（楼宇名称）",
    }[kind]
    return [
        finding(
            "conflict.scope_unchecked",
            f"依法应在{wanted}内核对重名和同音，本库只能核对“{scope.label}”，"
            "范围外的名称未能核对，请向上级地名行政主管部门查询。",
        )
    ]


def apply_exceptions(findings: Iterable[Finding], exceptions: dict[str, str]) -> list[Finding]:
    """Findings with the reviewer's granted exceptions applied: a finding of a rule that
    allows exceptions (实施办法 art. 3/4 and the like) and has one becomes a warning that
    quotes the reason; the others are unchanged (leaders' names never have exceptions)."""
    out: list[Finding] = []
    for f in findings:
        reason = exceptions.get(f.rule)
        rule = RULES.get(f.rule)
        if reason and rule is not None and rule.exception:
            out.append(
                Finding(
                    rule=f.rule,
                    severity=Severity.WARNING,
                    article=f.article,
                    message=f"{f.message}［审查人已准予例外：{reason}］",
                    conflicts=f.conflicts,
                )
            )
        else:
            out.append(f)
    return out


__all__ = [
    "RULES",
    "NameFacts",
    "Rule",
    "apply_exceptions",
    "content_findings",
    "division_findings",
    "facility_findings",
    "national_findings",
    "protection_findings",
    "scope_findings",
    "script_findings",
    "structure_findings",
]

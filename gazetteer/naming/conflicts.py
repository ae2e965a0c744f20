"""Conflicts of a proposed name with the names already in its scope (《地名管理条例》2022
art. 9(1)(8): the same name, a homophone, a near homophone, the same 专名), and the fuzzy
pinyin keys that find near homophones. The rules themselves are in
:mod:`gazetteer.naming.rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from gazetteer.naming.model import Finding, Scope
from gazetteer.naming.rules import NameFacts, finding
from gazetteer.text.keys import FUZZY_FINALS, FUZZY_INITIALS, fuzzy_syllable
from gazetteer.text.pinyin import valid_bases

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
    # each rule: the names it found and what the finding says about them
    said: dict[str, tuple[list[Candidate], str]] = {
        "conflict.duplicate": (dup, "重名，同一范围内地名不得重复。"),
        "conflict.homophone_same_tone": (
            toned,
            f"读音完全相同（同音同调，{facts.toned_key}），极易混淆，应避免。",
        ),
        "conflict.homophone": (homo, f"同音（{facts.pinyin_key}），应避免同音地名。"),
        "conflict.near_homophone": (
            near,
            "读音相近（平翘舌、前后鼻音或n/l不分时同音），建议避免。",
        ),
        "conflict.same_specific": (same_spec, "专名相同、通名不同，易混淆，建议调整。"),
    }
    return [
        finding(
            rule, f"“{facts.name}”与{scope.label}内{_names(found)}{what}", (c.ref for c in found)
        )
        for rule, (found, what) in said.items()
        if found
    ]


def _names(cs: Sequence[Candidate]) -> str:
    return "、".join(f"“{c.name}”（{c.what} {c.ref}）" for c in cs[:5])


def _base_generic(generic: str) -> str:
    if len(generic) > 1 and generic[0] in "东西南北中上下前后":
        return generic[1:]
    return generic


# --- fuzzy (near-homophone) keys ---------------------------------------------------------


def fuzzy_key(key: str) -> str:
    """The key with near-homophone foldings (zh=z, ch=c, sh=s, n=l, ang=an, eng=en, ing=in)."""
    return " ".join(fuzzy_syllable(s) for s in key.split(" "))


@lru_cache(maxsize=65536)
def _syllable_variants(syl: str) -> tuple[str, ...]:
    folded = fuzzy_syllable(syl)
    heads = {folded}
    for long, short in FUZZY_INITIALS:
        if folded.startswith(short) and not (short == "n" and long == "l"):
            heads.add(long + folded[len(short) :])
    if folded.startswith("n"):
        heads.add("l" + folded[1:])
    elif folded.startswith("l"):
        heads.add("n" + folded[1:])
    out: set[str] = set()
    for h in heads:
        out.add(h)
        for long, short in FUZZY_FINALS:
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


__all__ = ["Candidate", "conflict_findings", "fuzzy_key", "near_keys"]

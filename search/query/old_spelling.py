"""Old Indonesian spellings (before the 1947 and 1972 reforms) and modern ones:
*Soekarno* / *Sukarno*, *Djakarta* / *Jakarta*, *Tjokroaminoto* / *Cokroaminoto*.

Archives and names keep the old forms, readers type either. These are the
forms a query word may also be written in, both ways: old to modern (*oe→u,
dj→j, tj→c, nj→ny, sj→sy, ch→kh*) and modern to old (the reverse). The
ambiguous *j→y* (*Soerabaja*) only joins the other rules in a word that has
another old mark, since alone it makes words of words (*raja* / *raya*). The
compiler adds every form as the same word; the snapshot keeps only the forms
an article writes (so *masjid* never becomes *masyid*)."""

from __future__ import annotations

import re
from itertools import combinations

OLD_TO_MODERN = {"oe": "u", "dj": "j", "tj": "c", "nj": "ny", "sj": "sy", "ch": "kh"}
MODERN_TO_OLD = {modern: old for old, modern in OLD_TO_MODERN.items()}
OLD_MARKS = re.compile("|".join(OLD_TO_MODERN))
# Longest first, so "ny" is read before "y"; "j" alone is modern "j" or old "j" for "y".
MODERN_MARKS = re.compile("kh|ny|sy|u|j|c|y")
MIN_CHARS = 4  # shorter words are too often other words
MAX_RULES = 4  # modern to old: every combination of at most this many kinds of letters


def modern_forms(word: str) -> set[str]:
    """``word`` with its old letters written as today (empty if it has none)."""
    if len(word) < MIN_CHARS or not word.isalpha() or not OLD_MARKS.search(word):
        return set()
    pieces = re.split(f"({OLD_MARKS.pattern})", word)
    modern = "".join(OLD_TO_MODERN.get(p, p) for p in pieces)
    forms = {modern}
    if "j" in "".join(p for p in pieces if p not in OLD_TO_MODERN):  # an old j for y, beside other old marks
        forms.add("".join(OLD_TO_MODERN.get(p, p.replace("j", "y")) for p in pieces))
    return forms - {word}


def old_forms(word: str) -> set[str]:
    """``word`` as the old spelling may have written it (empty if nothing would change)."""
    if len(word) < MIN_CHARS or not word.isalpha() or OLD_MARKS.search(word):
        return set()  # (a word with an old mark is old already, or modern and only looks it: masjid)
    pieces = re.split(f"({MODERN_MARKS.pattern})", word)
    kinds = sorted({p for p in pieces if p in ("kh", "ny", "sy", "u", "j", "c", "y")} - {"y"} | _ys(pieces))
    forms = set()
    for n in range(1, min(len(kinds), MAX_RULES) + 1):
        for chosen in combinations(kinds, n):
            if chosen == ("y",):
                continue  # y to j only beside another old mark
            forms.add("".join(_old(p) if p in chosen else p for p in pieces))
    return forms - {word}


def _ys(pieces: list[str]) -> set[str]:
    return {"y"} if "y" in pieces else set()


def _old(piece: str) -> str:
    if piece == "j":
        return "dj"
    if piece == "y":
        return "j"
    if piece == "u":
        return "oe"
    if piece == "c":
        return "tj"
    return MODERN_TO_OLD[piece]


def spellings(word: str) -> set[str]:
    """Every other form of ``word`` in the old or modern spelling."""
    return modern_forms(word) | old_forms(word)

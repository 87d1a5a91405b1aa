"""Snippets and highlighted titles: HTML-escaped text with ``<mark>`` around
the words that matched, in the article's own spelling (surface forms).

A word matches when its analysed form (folded like the index's tokens, then
stemmed) is one of the query's terms, so "pemindahan" in a query marks
"memindahkan" too, and "K.P.K." or "1.000.000" are marked where they match.

Tokenising and stemming a whole article per hit is the slow part of a
search, so a :class:`Highlighter` first finds candidate words with one regular
expression over the text (a word can only stem to a term it contains, or
contains but for the first letter that meN-/peN- replace) and analyses those
candidates only.
"""

from __future__ import annotations

import re
from html import escape

from index.analysis import TOKEN_PATTERN, fold, fold_token, stem

SNIPPET_CHARS = 200
SCAN_CHARS = 6_000  # the best passage is looked for in the first 6,000 characters
RECODED_INITIALS = "tkps"  # meN-/peN- drop these initial letters of a root


def _matches_term(word: str, terms: frozenset[str]) -> bool:
    folded = fold_token(word)
    if folded in terms or (folded.isalpha() and stem(folded) in terms):
        return True
    return "-" in folded and any(p in terms or stem(p) in terms for p in folded.split("-") if p.isalpha())


class Highlighter:
    """Marks the words of one query's terms in titles and snippets."""

    def __init__(self, terms: set[str]):
        self.terms = frozenset(terms)
        cores = {t[1:] if t[:1] in RECODED_INITIALS and len(t) > 3 else t for t in self.terms}
        cores |= {p for t in self.terms if "-" in t for p in t.split("-") if p}
        pattern = "|".join(re.escape(c) for c in sorted(cores, key=len, reverse=True) if c)
        # A run of word characters (with inner dots and hyphens) holding a core.
        # Anchored at a word's start, so each word is tried once, not from every letter.
        self._candidates = re.compile(rf"(?<![\w.\-])[\w.\-]*?(?:{pattern})[\w.\-]*",
                                      re.IGNORECASE) if pattern else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character spans of the words in ``text`` that match."""
        if self._candidates is None:
            return []
        spans: list[tuple[int, int]] = []
        for chunk in self._candidates.finditer(text):
            for token in TOKEN_PATTERN.finditer(text, chunk.start(), chunk.end()):
                if _matches_term(token.group(0), self.terms):
                    spans.append(token.span())
        return spans

    def title(self, title: str) -> str:
        return _render(title, self.spans(title), 0, len(title))

    def snippet(self, body: str, width: int = SNIPPET_CHARS) -> str:
        """About ``width`` characters from the body's best passage, highlighted."""
        text = " ".join(body[:SCAN_CHARS].split())
        spans = self.spans(text)
        if not spans:
            end = _word_end(text, width)
            return escape(text[:end]) + ("…" if end < len(text) else "")
        anchor = _best_window(spans, text, width)
        # Open the window a little before the first match, at a word boundary.
        start = max(0, anchor - width // 4)
        if start > 0:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 else 0
            sentence = text.rfind(". ", max(0, start - 40), anchor)
            if sentence >= 0:
                start = sentence + 2
        end = _word_end(text, start + width)
        html = _render(text, spans, start, end)
        return ("…" if start > 0 else "") + html + ("…" if end < len(text) else "")


def highlight_title(title: str, terms: set[str]) -> str:
    return Highlighter(terms).title(title)


def snippet(body: str, terms: set[str], width: int = SNIPPET_CHARS) -> str:
    return Highlighter(terms).snippet(body, width)


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out, cursor = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(escape(text[cursor:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        cursor = b
    out.append(escape(text[cursor:end]))
    return "".join(out)


def _best_window(spans: list[tuple[int, int]], text: str, width: int) -> int:
    """Start of the window of ``width`` chars holding the most distinct matched words."""
    best_start, best_score = spans[0][0], -1
    for i, (a, _) in enumerate(spans):
        inside = [(x, y) for x, y in spans[i:i + 40] if y <= a + width]
        score = len({fold(text[x:y]) for x, y in inside}) * 10 + len(inside)
        if score > best_score:
            best_start, best_score = a, score
    return best_start


def _word_end(text: str, limit: int) -> int:
    if limit >= len(text):
        return len(text)
    space = text.rfind(" ", 0, limit)
    return space if space > 0 else limit

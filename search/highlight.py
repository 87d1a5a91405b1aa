"""Snippets and highlighted titles: HTML-escaped text with ``<mark>`` around
the words that matched, in the article's own spelling (surface forms).

A word matches when its analysed form (folded like the index's tokens, then
stemmed) is one of the query's terms, so "pemindahan" in a query marks
"memindahkan" too, and "K.P.K." or "1.000.000" are marked where they match.

Tokenising and stemming a whole article per hit is the slow part of a
search, so a :class:`Highlighter` first finds candidate words by plain
substring search (a word can only stem to a term it contains, or contains but
for the first letter that meN-/peN- replace) and analyses those candidates only.
"""

from __future__ import annotations

from collections import Counter
from html import escape, unescape

from index.analysis import TOKEN_PATTERN, fold, fold_token, stem

SNIPPET_CHARS = 200
SCAN_CHARS = 6_000  # the best passage is looked for in the first 6,000 characters
RECODED_INITIALS = "tkps"  # meN-/peN- drop these initial letters of a root


def _matched_term(word: str, terms: frozenset[str]) -> str | None:
    """The query term ``word`` stands for, if any."""
    folded = fold_token(word)
    if folded in terms:
        return folded
    if folded.isalpha():
        stemmed = stem(folded)
        return stemmed if stemmed in terms else None
    if "-" in folded:
        for part in folded.split("-"):
            if part in terms:
                return part
            if part.isalpha() and stem(part) in terms:
                return stem(part)
    return None


class Highlighter:
    """Marks the words of one query's terms in titles and snippets."""

    def __init__(self, terms: set[str]):
        self.terms = frozenset(terms)
        cores = {t[1:] if t[:1] in RECODED_INITIALS and len(t) > 3 else t for t in self.terms}
        cores |= {p for t in self.terms if "-" in t for p in t.split("-") if p}
        self._cores = sorted(c for c in cores if c)
        self._verdicts: dict[str, bool] = {}   # surface word -> matches (words recur across hits)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character spans of the words in ``text`` that match.

        Each core is found with ``str.find`` on the lower-cased text; only the
        space-delimited chunks holding one are tokenised and analysed."""
        if not self._cores:
            return []
        lowered = _lower_same_length(text)
        chunks: set[int] = set()
        for core in self._cores:
            at = lowered.find(core)
            while at >= 0:
                chunks.add(lowered.rfind(" ", 0, at) + 1)
                at = lowered.find(core, at + len(core))
        spans: list[tuple[int, int]] = []
        verdicts = self._verdicts
        for start in sorted(chunks):
            end = lowered.find(" ", start)
            for token in TOKEN_PATTERN.finditer(text, start, len(text) if end < 0 else end):
                word = token.group(0)
                matched = verdicts.get(word)
                if matched is None:
                    matched = verdicts[word] = _matched_term(word, self.terms) is not None
                if matched:
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


def _lower_same_length(text: str) -> str:
    """Lower case with every character's position kept (a few characters, such
    as "İ", lower-case to two)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def plain_text(marked: str) -> str:
    """A highlighted fragment as plain text (no <mark>, no entities)."""
    return unescape(marked.replace("<mark>", "").replace("</mark>", ""))


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
    """Start of the window of ``width`` chars holding the most distinct matched
    words (then the most matches): one pass with a sliding window."""
    words = [fold(text[x:y]) for x, y in spans]
    inside: Counter[str] = Counter()
    best_start, best_score, j = spans[0][0], -1, 0
    for i, (a, _) in enumerate(spans):
        while j < len(spans) and (j <= i or spans[j][1] <= a + width):
            inside[words[j]] += 1
            j += 1
        score = len(inside) * 10 + (j - i)
        if score > best_score:
            best_start, best_score = a, score
        inside[words[i]] -= 1
        if not inside[words[i]]:
            del inside[words[i]]
    return best_start


def _word_end(text: str, limit: int) -> int:
    if limit >= len(text):
        return len(text)
    space = text.rfind(" ", 0, limit)
    return space if space > 0 else limit

"""Snippets and highlighted titles: HTML-escaped text with ``<mark>`` around
the words that matched, in the article's own spelling (surface forms).

A word matches when its analysed form (its stem, for stemmed queries) is one
of the query's terms, so "pemindahan" in a query marks "memindahkan" too.
"""

from __future__ import annotations

from html import escape

from index.analysis import TOKEN_PATTERN, fold, stem

SNIPPET_CHARS = 200
SCAN_CHARS = 6_000  # the best passage is looked for in the first 6,000 characters


def _matches(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """(start, end) character spans of the words in ``text`` that match."""
    spans = []
    for m in TOKEN_PATTERN.finditer(text):
        word = fold(m.group(0))
        if word in terms or (word.isalpha() and stem(word) in terms):
            spans.append(m.span())
        elif "-" in word and any(part in terms or stem(part) in terms for part in word.split("-") if part.isalpha()):
            spans.append(m.span())
    return spans


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


def highlight_title(title: str, terms: set[str]) -> str:
    return _render(title, _matches(title, terms) if terms else [], 0, len(title))


def _best_window(spans: list[tuple[int, int]], text: str, width: int) -> int:
    """Start of the window of ``width`` chars holding the most distinct matched words."""
    best_start, best_score = spans[0][0], -1
    for i, (a, _) in enumerate(spans):
        distinct = {fold(text[x:y]) for x, y in spans[i:] if y <= a + width}
        score = len(distinct) * 10 + sum(1 for x, y in spans[i:] if y <= a + width)
        if score > best_score:
            best_start, best_score = a, score
    return best_start


def snippet(body: str, terms: set[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters from the body's best passage, highlighted."""
    text = " ".join(body[:SCAN_CHARS].split())
    spans = _matches(text, terms) if terms else []
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


def _word_end(text: str, limit: int) -> int:
    if limit >= len(text):
        return len(text)
    space = text.rfind(" ", 0, limit)
    return space if space > 0 else limit

"""Snippets and highlighted titles: HTML-escaped text with ``<mark>`` around
the words that matched, in the article's own spelling (surface forms).

A word is marked when the index's own analyzer, run over the text with
character offsets, yields one of the query's terms there: "pemindahan" in a
query marks "memindahkan" too, and "K.P.K.", "1.000.000", "Café" or
"anak-anak" are marked exactly where the index holds the query's term for them.

Analysing a whole article per hit is the slow part of a search, so a
:class:`Highlighter` first finds candidate chunks (space-delimited) by plain
substring search on the text folded character for character, and analyses
those chunks only. A word can only yield a term it contains, contains but for
the first letter that meN-/peN- replace, spells with dots (an acronym, a
number with thousands separators), or a stem the stemmer repairs to the term.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html import escape, unescape
from itertools import accumulate
from typing import TYPE_CHECKING

from whoosh.analysis import Analyzer

from index.analysis import IndonesianStemFilter, fold

if TYPE_CHECKING:
    from ..reader.snapshot import Snapshot

SNIPPET_CHARS = 200
SCAN_CHARS = 6_000  # the best passage is looked for in the first 6,000 characters
RECODED_INITIALS = "tkps"  # meN-/peN- drop these initial letters of a root
NON_ASCII = re.compile(r"[^\x00-\x7f]")
ACRONYM_DOTS = re.compile(r"\.[^\W\d_]\.")  # k.p.k., b.j.: a letter between dots
THOUSANDS_DOT = re.compile(r"\.\d{3}")
WHITE_SPACE = re.compile(r"\s")
SPACE_RUN = re.compile(r" {2,}")

MEMO_CHUNKS = 20_000  # chunks a memo holds before it is emptied (~8 MB)
Span = tuple[int, int, str]  # start, end, the term found there


class Highlighter:
    """Marks the words of one query's terms in titles and snippets.

    ``analyzer`` is the index's stemmed analyzer, the one in its schema (title
    and body share it), not the query compiler's: the terms it yields for a
    word are the terms the index holds for that word, so a word is marked
    exactly when the document matched the query there, even in an index built
    with other rules than the running Berita's.

    ``memo`` keeps what ``analyzer`` made of each chunk, across queries (words
    recur across hits and queries): pass one dict per analyzer, as
    :meth:`for_snapshot` does. It is emptied when it holds ``MEMO_CHUNKS``."""

    def __init__(self, terms: set[str], analyzer: Analyzer, memo: dict[str, tuple[Span, ...]] | None = None):
        self.terms = frozenset(terms)
        self.analyzer = analyzer
        self.memo = {} if memo is None else memo
        cores = {t[1:] if t[:1] in RECODED_INITIALS and len(t) > 3 else t for t in self.terms}
        cores |= {p for t in self.terms if "-" in t for p in t.split("-") if p}
        for stemmer in getattr(analyzer, "items", ()):
            if isinstance(stemmer, IndonesianStemFilter):
                cores |= {m for t in self.terms for m in stemmer.repaired_from(t)}
        self._cores = sorted(_fold_same_length(c) for c in cores if c)
        # How a term may be spelled with dots (K.P.K., 1.000.000): looked for
        # only in a text that has such dots, which one search tells.
        dotted = (
            (ACRONYM_DOTS, {".".join(t) for t in self.terms if t.isalpha() and len(t) > 1}),
            (THOUSANDS_DOT, {_thousands(t) for t in self.terms if t.isdigit() and len(t) > 3}),
        )
        self._dotted = [(dots, sorted(spelled)) for dots, spelled in dotted if spelled]

    @classmethod
    def for_snapshot(cls, snap: Snapshot, terms: set[str]) -> Highlighter:
        """A highlighter over the index's own analyzer and its memo."""
        return cls(terms, *snap.analysis("body"))

    def spans(self, text: str) -> list[Span]:
        """(start, end, term) for the words in ``text`` that match, in order.

        Each core is found with ``str.find`` on the folded text; only the
        space-delimited chunks holding one are analysed."""
        if not self._cores:
            return []
        folded = _fold_same_length(text)
        starts: set[int] = set()
        cores = self._cores
        for dots, spelled in self._dotted:
            if dots.search(folded):
                cores = cores + spelled
        for core in cores:
            at = folded.find(core)
            while at >= 0:
                starts.add(folded.rfind(" ", 0, at) + 1)
                at = folded.find(core, at + len(core))
        chunks = []
        for start in sorted(starts):
            end = folded.find(" ", start)
            chunks.append((start, text[start:] if end < 0 else text[start:end]))
        memo = self.memo  # shared by the threads of a worker: one lookup a chunk, as another may empty it
        words = {chunk: found for _, chunk in chunks if (found := memo.get(chunk)) is not None}
        new = list(dict.fromkeys(chunk for _, chunk in chunks if chunk not in words))
        if new:
            words.update(self._analyse(new))
        terms, spans = self.terms, []
        for start, chunk in chunks:
            marked = -1
            for a, b, term in words[chunk]:
                if term in terms and a != marked:
                    spans.append((start + a, start + b, term))
                    marked = a
        return spans

    def _analyse(self, chunks: list[str]) -> dict[str, tuple[Span, ...]]:
        """Each chunk's terms, with the span of the word each comes from.

        In index mode a hyphenated word is followed by its parts, each within
        its span: a part's term gets the whole word's span, so the word is
        marked whole when it or a part matched ("anak-anak" holds "anak" once,
        at its first part, yet reads as one word). One analyzer call over the
        chunks joined by spaces (a token never spans a space, so each chunk's
        tokens come out as they would alone) costs much less than one each."""
        found: list[list[Span]] = [[] for _ in chunks]
        ends = list(accumulate(len(chunk) + 1 for chunk in chunks))
        i, base, word = 0, 0, (-1, -1)
        for t in self.analyzer(" ".join(chunks), chars=True, mode="index"):
            a, b = t.startchar, t.endchar
            while a >= ends[i]:
                base, i = ends[i], i + 1
            if a < word[0] or b > word[1]:  # a new word, not a part of the last one
                word = (a, b)
            found[i].append((word[0] - base, word[1] - base, t.text))
        analysed = dict(zip(chunks, map(tuple, found)))
        if len(self.memo) + len(analysed) > MEMO_CHUNKS:
            self.memo.clear()
        self.memo.update(analysed)
        return analysed

    def title(self, title: str) -> str:
        return _render(title, self.spans(title), 0, len(title))

    def snippet(self, body: str, width: int = SNIPPET_CHARS) -> str:
        """About ``width`` characters from the body's best passage, highlighted.

        Line breaks and other white space become spaces position for position
        (cheaper than collapsing them over the whole scanned text); runs of
        spaces are collapsed in the window shown only."""
        text = _spaced(body[:SCAN_CHARS])
        spans = self.spans(text)
        if not spans:
            start = len(text) - len(text.lstrip())
            end = _word_end(text, start + width)
            return _render(text, [], start, end) + ("…" if text[end:].strip() else "")
        anchor = _best_window(spans, width)
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
        return ("…" if text[:start].strip() else "") + html + ("…" if text[end:].strip() else "")


def _thousands(number: str) -> str:
    """A number with Indonesian thousands separators (1000000 -> 1.000.000)."""
    head = len(number) % 3 or 3
    return ".".join([number[:head]] + [number[i : i + 3] for i in range(head, len(number), 3)])


def _fold_same_length(text: str) -> str:
    """``text`` folded for the substring search with every character's position
    kept: lower case, and a non-ASCII character replaced by its folded form
    when that is one character (é -> e, 𝕊 -> s). Text already in NFKD form
    (curly quotes and dashes are) has nothing to fold but combining marks,
    which stay: checking that is cheaper than folding."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lower-cases to two characters
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    if lowered.isascii() or unicodedata.is_normalized("NFKD", lowered):
        return lowered
    return NON_ASCII.sub(_fold_char, lowered)


def _fold_char(match: re.Match) -> str:
    return _folded(match.group(0))


@lru_cache(maxsize=4096)
def _folded(char: str) -> str:
    folded = fold(char)
    return folded if len(folded) == 1 else char


def plain_text(marked: str) -> str:
    """A highlighted fragment as plain text (no <mark>, no entities)."""
    return unescape(marked.replace("<mark>", "").replace("</mark>", ""))


def _spaced(text: str) -> str:
    """``text`` with every white-space character a space, positions kept."""
    text = text.replace("\n", " ")
    return text if text.isprintable() else WHITE_SPACE.sub(" ", text)


def _render(text: str, spans: list[Span], start: int, end: int) -> str:
    """``text[start:end]`` escaped, the spans marked, runs of spaces collapsed."""
    out, cursor = [], start
    for a, b, _ in spans:
        if a < start or b > end:
            continue
        out.append(escape(text[cursor:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        cursor = b
    out.append(escape(text[cursor:end]))
    html = "".join(out)
    return SPACE_RUN.sub(" ", html).strip() if "  " in html or html[:1] == " " or html[-1:] == " " else html


def _best_window(spans: list[Span], width: int) -> int:
    """Start of the window of ``width`` chars holding the most distinct matched
    terms (then the most matches): one pass with a sliding window."""
    words = [term for _, _, term in spans]
    inside: dict[str, int] = {}  # term -> its matches in the window
    best_start, best_score, j, count = spans[0][0], -1, 0, len(spans)
    for i, (a, _, _) in enumerate(spans):
        limit = a + width
        while j < count and (j <= i or spans[j][1] <= limit):
            inside[words[j]] = inside.get(words[j], 0) + 1
            j += 1
        score = len(inside) * 10 + (j - i)
        if score > best_score:
            best_start, best_score = a, score
        left = inside[words[i]] - 1
        if left:
            inside[words[i]] = left
        else:
            del inside[words[i]]
    return best_start


def _word_end(text: str, limit: int) -> int:
    if limit >= len(text):
        return len(text)
    space = text.rfind(" ", 0, limit)
    return space if space > 0 else limit

""" "Apakah maksud Anda": corrections for query words the index barely knows.

A query word found in fewer than ``RARE_WORD_DOCS`` documents may be a typo;
it is replaced by the most frequent indexed word within edit distance 1 (else
2) that is ``COMMON_FACTOR`` times more frequent (Whoosh's term automata over
the exact-form vocabulary). Work is bounded: at most ``MAX_CHECKED_WORDS``
words of a query are looked at.
"""

from __future__ import annotations

import re

from index.analysis import TALA_STOPWORDS, fold

from .query import Word, parse_user_query
from .snapshot import Snapshot

RARE_WORD_DOCS = 3  # a query word in fewer documents than this may be a typo
COMMON_FACTOR = 5  # ... and a correction must be in this many times more
MAX_CHECKED_WORDS = 8  # suggestion work per query is bounded


def _plain_words(q: str) -> list[str]:
    """The query's unscoped, unquoted words (what a typo can be in)."""
    out: list[str] = []
    stack = [parse_user_query(q)]
    while stack:
        node = stack.pop()
        if isinstance(node, Word):
            if node.field is None and not node.phrase:
                out.append(node.text)
        elif hasattr(node, "children"):
            stack.extend(reversed(node.children))  # type: ignore[arg-type]  # a Group's children are nodes
    return out


def suggest_spelling(snap: Snapshot, q: str) -> str | None:
    corrected, changed = q, False
    with snap.io_lock:
        reader = snap.searcher.reader()
        checked = 0
        for word in _plain_words(q):
            folded = fold(word)
            if not folded.isalpha() or len(folded) < 4 or folded in TALA_STOPWORDS:
                continue
            checked += 1
            if checked > MAX_CHECKED_WORDS:
                break
            seen = reader.doc_frequency("body_exact", folded) + reader.doc_frequency("title_exact", folded)
            if seen >= RARE_WORD_DOCS:
                continue
            best = None
            for distance in (1, 2):
                candidates = [t for t in reader.terms_within("body_exact", folded, distance, prefix=1) if t != folded]
                scored = [(reader.doc_frequency("body_exact", t), t) for t in candidates if t.isalpha()]
                scored = [s for s in scored if s[0] >= max(1, COMMON_FACTOR * seen)]
                if scored:
                    best = max(scored)[1]
                    break
            if best:
                corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", best, corrected, count=1)
                changed = True
    return corrected if changed else None

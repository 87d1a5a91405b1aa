"""Matching document sets computed with set algebra on posting lists.

Counting matches (and faceting them) through Whoosh's matchers steps a
Python object per document per clause. Reading each term's posting list as a
whole and combining the lists with Python's C-level set operations gives the
same documents several times faster. Queries this module does not know
(phrases, for instance) fall back to Whoosh's own matching.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.searching import Searcher


def _term_docs(searcher: Searcher, fieldname: str, text: str) -> set[int]:
    docs: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (fieldname, text) in reader:
            ids = reader.postings(fieldname, text).all_ids()
            docs.update(ids if not offset else (d + offset for d in ids))
    return docs


def doc_set(searcher: Searcher, q: wq.Query, live: frozenset[int]) -> set[int]:
    """Global docnums of the live documents matching ``q``."""
    if isinstance(q, wq.Every):
        return set(live)
    if isinstance(q, wq.Term):
        return _term_docs(searcher, q.fieldname, q.text) & live
    if isinstance(q, wq.And):
        parts = sorted((doc_set(searcher, sub, live) for sub in q.subqueries), key=len)
        return parts[0].intersection(*parts[1:]) if parts else set()
    if isinstance(q, wq.Or):
        out: set[int] = set()
        for sub in q.subqueries:
            out |= doc_set(searcher, sub, live)
        return out
    if isinstance(q, wq.AndNot):
        return doc_set(searcher, q.a, live) - doc_set(searcher, q.b, live)
    if isinstance(q, wq.AndMaybe):
        return doc_set(searcher, q.a, live)
    return set(searcher.docs_for_query(q)) & live

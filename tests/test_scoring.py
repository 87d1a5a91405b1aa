"""The array evaluation against Whoosh's own matchers (the reference).

With :class:`WhooshBM25F`, the formula Whoosh's matchers compute, the array
evaluation must reproduce Whoosh's matches and scores: that checks matching,
phrases, exclusions, filters and the proximity bound independently of the
shipped formula (BM25F), which only changes how a token's fields combine.

Whoosh scores every match exhaustively with ``search(q, limit=None)``; the
array scorer must find the same documents with the same scores (to 1e-6), and
so the same top 10 up to reorderings among equal scores. (Whoosh's own top-K
collector is not the reference: on the shared corpus it drops documents that
its exhaustive scoring ranks in the top 10, e.g. for "rupiah".)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from index.dates import to_utc_naive
from search.engine import SearchEngine, SearchRequest
from search.query import plan
from search.query.compile import DEFAULT_WEIGHTS
from search.rank.scoring import Evaluation, WhooshBM25F, in_order_within, term_postings, top_scored
from search.request import parse_date_bound

K = 10
# Whoosh knows no compound written apart (a two-word term): compare without compounds.
AS_WHOOSH_READS = replace(DEFAULT_WEIGHTS, compounds=False)


def _vocabulary(engine: SearchEngine, limit: int) -> list[str]:
    with engine.manager.acquire() as snap, snap.io_lock:
        reader = snap.searcher.reader()
        terms = [(reader.doc_frequency("title_exact", t), t) for t in reader.field_terms("title_exact")]
    words = [t for df, t in sorted(terms, reverse=True) if t.isalpha() and len(t) > 2]
    return words[:limit]


def _query_text(draw_words: list[str], shape: str) -> str:
    if shape == "or" and len(draw_words) > 1:
        return " OR ".join(draw_words)
    if shape == "not" and len(draw_words) > 1:
        return " ".join(draw_words[:-1]) + " -" + draw_words[-1]
    if shape == "phrase" and len(draw_words) > 1:
        return '"' + " ".join(draw_words[:2]) + '" ' + " ".join(draw_words[2:])
    if shape == "group" and len(draw_words) > 2:
        return f"({draw_words[0]} OR {draw_words[1]}) " + " ".join(draw_words[2:])
    return " ".join(draw_words)


def reference(engine: SearchEngine, q: str, date_from=None, date_to=None) -> dict[int, float]:
    """docnum -> score from Whoosh's matcher tree, every match scored."""
    compiled = engine.compiler.compile(q)
    if compiled.is_empty:
        return {}
    whoosh_filter = None
    if date_from or date_to:
        whoosh_filter = wq.NumericRange(
            "published",
            datetime_to_long(to_utc_naive(date_from)) if date_from else None,
            datetime_to_long(to_utc_naive(date_to)) if date_to else None,
        )
    # Whoosh's AndNot leaks documents when the excluded side is an Or (as every
    # word's stem-and-twin clause is): "banjir -jakarta" returned an article
    # titled "Banjir ... di Jakarta". Top-level exclusions therefore become
    # Whoosh's search mask, which is exact.
    query, excluded = compiled.query, []
    while isinstance(query, plan.Excluding):
        excluded.append(plan.to_whoosh(query.exclude))
        query = query.include
    positive = replace(compiled, query=query).whoosh()
    mask = (excluded[0] if len(excluded) == 1 else wq.Or(excluded)) if excluded else None
    with engine.manager.acquire() as snap, snap.io_lock:
        hits = snap.searcher.search(positive, limit=None, filter=whoosh_filter, mask=mask)
        return {hit.docnum: hit.score for hit in hits}


def ours(engine: SearchEngine, q: str, date_from=None, date_to=None) -> tuple[dict[int, float], int]:
    """(top K docnum -> score, total) from the array scorer."""
    compiled = engine.compiler.compile(q)
    if compiled.is_empty:
        return {}, 0
    query = compiled.query
    assert query is not None
    with engine.manager.acquire() as snap:
        ev = Evaluation(snap, engine.scorer)
        docs = ev.docs(query)
        docs = docs[snap.live[docs]]
        if date_from or date_to:
            published = snap.published[docs]
            lo = datetime_to_long(to_utc_naive(date_from)) if date_from else -1
            hi = datetime_to_long(to_utc_naive(date_to)) if date_to else 1 << 62
            docs = docs[(published >= lo) & (published <= hi)]
        found, scores = top_scored(ev, query, compiled.proximity, docs, K)
        return dict(zip(found.tolist(), scores.tolist())), int(docs.size)


def assert_same_ranking(engine: SearchEngine, q: str, date_from=None, date_to=None) -> None:
    expected = reference(engine, q, date_from, date_to)
    top, total = ours(engine, q, date_from, date_to)
    assert total == len(expected), q
    for doc, score in top.items():
        assert doc in expected and abs(expected[doc] - score) < 1e-6, (q, doc, score, expected.get(doc))
    best = sorted(expected.values(), reverse=True)[:K]
    assert np.allclose(sorted(top.values(), reverse=True), best, atol=1e-6), q


@pytest.fixture(scope="module")
def sample_engine(sample_index):
    engine = SearchEngine.open(sample_index, background=False, scorer=WhooshBM25F(), weights=AS_WHOOSH_READS)
    yield engine
    engine.close()


def test_fixed_queries_match_whoosh_on_the_sample(sample_engine):
    for q in (
        "iuran bpjs",
        "kenaikan iuran bpjs",
        '"ibu kota"',
        "banjir -jakarta",
        "kpk OR gempa",
        "(kpk OR gempa) ruu",
        "-banjir",
        "title:bpjs",
        "body:iuran kesehatan",
    ):
        assert_same_ranking(sample_engine, q)


@pytest.mark.corpus
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_corpus_queries_match_whoosh(corpus_engine, corpus_words, data):
    words = data.draw(st.lists(st.sampled_from(corpus_words), min_size=1, max_size=4), label="words")
    shape = data.draw(st.sampled_from(["and", "and", "or", "not", "phrase", "group"]), label="shape")
    dated = data.draw(st.booleans(), label="dated")
    q = _query_text(words, shape)
    if dated:
        day = data.draw(st.integers(1, 20), label="day")
        assert_same_ranking(
            corpus_engine,
            q,
            parse_date_bound(f"2019-09-{day:02d}"),
            parse_date_bound(f"2019-09-{day + 5:02d}", end=True),
        )
    else:
        assert_same_ranking(corpus_engine, q)


@pytest.fixture(scope="module")
def corpus_engine(corpus_index):
    engine = SearchEngine.open(corpus_index, background=False, scorer=WhooshBM25F(), weights=AS_WHOOSH_READS)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def corpus_words(corpus_engine):
    return _vocabulary(corpus_engine, 400)


def test_proximity_rule_is_whooshs_ordered_span_rule():
    assert in_order_within([[1], [2]], 1)
    assert not in_order_within([[2], [1]], 3)  # order matters
    assert in_order_within([[1], [4]], 3) and not in_order_within([[1], [5]], 3)
    assert not in_order_within([[3], [3]], 3)  # the same position is no gap
    assert in_order_within([[1, 9], [11], [12]], 2)  # chains from any start
    assert not in_order_within([[1], [3], [9]], 3)


def test_engine_search_uses_the_same_ranking(sample_engine):
    """The page of hits the API returns follows the scorer's order (full
    matches first; articles lacking a word follow them)."""
    result = sample_engine.search(SearchRequest(q="iuran bpjs", collapse=False))
    expected = reference(sample_engine, "iuran bpjs")
    full = [h for h in result.hits if h.missing_word is None]
    best = sorted(expected.values(), reverse=True)[: len(full)]
    assert result.total - result.partial_total == len(expected) == len(full)
    assert [h.score for h in full] == [round(s, 4) for s in best] and result.hits[: len(full)] == full


def test_an_excluded_word_excludes_every_form_of_it(sample_engine):
    """Whoosh's matcher tree returned "Banjir ... di Jakarta" for this query."""
    assert sample_engine.search(SearchRequest(q="banjir")).total >= 1
    for hit in sample_engine.search(SearchRequest(q="banjir -jakarta", size=50)).hits:
        article = sample_engine.article(hit.id)
        assert "jakarta" not in (article["title"] + " " + article["body"]).lower(), hit.title


def test_leaving_out_terms_the_index_lacks_changes_no_match_or_score(sample_index):
    """The engine evaluates each plan without the terms its snapshot lacks
    (most of a word's written forms): matches and scores stay the same."""
    engine = SearchEngine.open(sample_index, background=False)
    try:
        with engine.manager.acquire() as snap:

            def holds(t):
                return term_postings(snap, t).ids.size > 0

            changed = 0
            ev = Evaluation(snap, engine.scorer)
            everything = np.flatnonzero(snap.live)
            for q in ("iuran bpjs kesehatan", "ibu kota", "banjir -bpjs", "kpk OR gempa", "title:bpjs zzzqx"):
                compiled = engine.compiler.compile(q)
                pruned = compiled.pruned(holds)
                changed += pruned.query != compiled.query
                full_mask, full_scores = ev.evaluate(compiled.nonempty_query(), everything)
                mask, scores = ev.evaluate(pruned.nonempty_query(), everything)
                assert np.array_equal(mask, full_mask) and np.allclose(scores, full_scores), q
                assert np.array_equal(ev.docs(pruned.nonempty_query()), ev.docs(compiled.nonempty_query())), q
                assert full_mask.any() or q.endswith("zzzqx"), q
            assert changed >= 3  # forms written joined or apart, words in no title
    finally:
        engine.close()

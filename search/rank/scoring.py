"""Matching and scoring query plans with array operations.

Instead of walking a tree of Whoosh matchers posting by posting, a plan is
evaluated in two passes over sorted arrays of document numbers:

1. :meth:`Evaluation.docs` finds the matching documents by set algebra on
   whole posting lists (an ``All`` starts from its rarest child and tests the
   others only on those candidates, with binary search);
2. :meth:`Evaluation.evaluate` computes, for a given candidate array, which
   candidates a node matches and their scores, term by term, vectorised.

Positions are read only where they decide something: a quoted phrase checks
positions for the documents that contain all its words, and the proximity
bonus is computed for the head of the ranking only (:func:`top_scored`), with
an upper bound that proves the rest of the ranking cannot change.

The scoring formula lives in a :class:`Scorer`: :class:`BM25F` (shipped) or
:class:`WhooshBM25F`, the one Whoosh's matchers use (each field's BM25 summed
with its boost), kept to test the array evaluation against Whoosh itself.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Protocol, assert_never

import numpy as np

from ..query import plan
from ..reader.snapshot import SCORED_FIELDS, Postings, Snapshot, positional_twin

EMPTY = np.zeros(0, dtype=np.int64)
CHECK_EVERY = 128  # phrase/proximity documents between two deadline checks
SCORE_DECIMALS = 6  # scores equal to this many decimals are ties (newest first)


class Scorer(Protocol):
    """A ranking formula: how tokens, quoted phrases and the proximity bonus score."""

    def token(self, ev: Evaluation, terms: tuple[plan.Term, ...], cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(matched mask, score) over ``cand`` for a token's field terms."""
        ...

    def phrase(self, ev: Evaluation, node: plan.Phrase, cand: np.ndarray) -> np.ndarray:
        """What a quoted phrase scores where it matches."""
        ...

    def proximity(self, ev: Evaluation, node: plan.Phrase, cand: np.ndarray) -> np.ndarray:
        """The bonus where the query's words stand together (``node`` matches)."""
        ...


@dataclass(frozen=True)
class WhooshBM25F:
    """Whoosh 2.7's ``BM25F``: every field's BM25 separately, multiplied by the
    term's boost and summed. Written with Whoosh's own operation order, so
    scores equal its matchers' to the last bit for a single term."""

    k1: float = 1.2
    b: float = 0.75

    def term(self, ev: Evaluation, term: plan.Term, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        postings = term_postings(ev.snap, term)
        hit, where = lookup(postings.ids, cand)
        if term.field not in SCORED_FIELDS or not hit.any():
            return hit, np.zeros(cand.size)
        snap = ev.snap
        idf = math.log(snap.doc_count_all / (postings.ids.size + 1)) + 1
        tf = postings.tf[where].astype(np.float64)
        length = snap.lengths[term.field][cand]
        length[length == 0] = 1
        k1, b, avg = self.k1, self.b, snap.avg_length[term.field]
        score = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avg)))
        return hit, np.where(hit, score * term.boost if term.boost != 1 else score, 0.0)

    def token(self, ev: Evaluation, terms: tuple[plan.Term, ...], cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(cand.size, dtype=bool)
        score = np.zeros(cand.size)
        for term in terms:
            hit, s = self.term(ev, term, cand)
            mask |= hit
            score += s
        return mask, score

    def phrase(self, ev: Evaluation, node: plan.Phrase, cand: np.ndarray) -> np.ndarray:
        """Whoosh scores a phrase as its words' term scores, boosted."""
        score = np.zeros(cand.size)
        for w in node.words:
            score += self.term(ev, plan.Term(node.field, w), cand)[1]
        return score * node.boost

    proximity = phrase


@dataclass(frozen=True)
class BM25F:
    """BM25F (Robertson & Zaragoza 2009; Lucene's ``CombinedFieldQuery``): a
    token's frequencies in title and body, each weighted and normalised by its
    field's length, add up to one pseudo-frequency that saturates once, with
    one idf for the token. A title match therefore helps like a few more
    occurrences, not like a second document-sized score.

    On top, bounded additions: the exact (unstemmed) forms score the same way
    at ``exact_share`` of the weight, and words standing together add
    ``proximity`` times their idf per field where they do.

    With ``exact_rarity`` (issue 27) the typed form's own rarity counts where
    the article holds that form: the stem's and the typed form's evidence
    saturate once, under an idf that moves from the root family's towards the
    typed form's by the share of the token's (weighted) occurrences written in
    the typed form; the form's idf is at least ``1 + exact_share`` times the
    family's, so a common typed form still ranks its exact matches first.
    A rare form typed (*menyehatkan*) then weighs like the rare word it is
    where the article holds it, and like its root (*sehat*) elsewhere."""

    k1: float = 1.2
    b_title: float = 0.4
    b_body: float = 0.75
    exact_share: float = 0.25
    proximity_share: float = 0.3
    # Off by default: on the fresh set it lost 0.027 nDCG@10 (95% CI [-0.049, -0.007])
    # and 0.012 on the later sets together (bench/README.md, issue 27).
    exact_rarity: bool = False
    rarity_idf: bool = False  # interpolate the idf instead of the share (the first reading)

    def _b(self, field: str) -> float:
        return self.b_title if field.startswith("title") else self.b_body

    def _idf(self, ev: Evaluation, terms: tuple[plan.Term, ...]) -> float:
        """One idf for the token: documents holding it in any of the fields."""
        memo = ev.snap.memo("token_df")
        key = tuple((t.field, t.text) for t in terms)
        df = memo.get(key)
        if df is None:
            ids = [term_postings(ev.snap, t).ids for t in terms]
            df = memo[key] = int(_union(ids).size) if len(ids) > 1 else int(ids[0].size)
        n = ev.snap.doc_count_all
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _combined(self, ev: Evaluation, terms: tuple[plan.Term, ...], cand: np.ndarray):
        mask, pseudo = self._pseudo(ev, terms, cand)
        if not mask.any():
            return mask, pseudo
        idf = self._idf(ev, terms)
        return mask, idf * pseudo * (self.k1 + 1) / (pseudo + self.k1)

    def _pseudo(
        self, ev: Evaluation, terms: tuple[plan.Term, ...], cand: np.ndarray, scale: dict[str, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(matched mask, BM25F pseudo-frequency) of the terms; ``scale`` (by
        field) multiplies the terms' boosts."""
        snap = ev.snap
        mask = np.zeros(cand.size, dtype=bool)
        pseudo = np.zeros(cand.size)
        for t in terms:
            postings = term_postings(snap, t)
            if not postings.ids.size:
                continue
            hit, where = lookup(postings.ids, cand)
            if not hit.any() or t.field not in SCORED_FIELDS:
                mask |= hit
                continue
            b = self._b(t.field)
            norm = (1 - b) + b * snap.lengths[t.field][cand] / snap.avg_length[t.field]
            boost = t.boost if scale is None else t.boost * scale.get(t.field, 1.0)
            pseudo += np.where(hit, boost * postings.tf[where] / np.maximum(norm, 1e-9), 0.0)
            mask |= hit
        return mask, pseudo

    def _rare_form(
        self, ev: Evaluation, stems: tuple[plan.Term, ...], exacts: tuple[plan.Term, ...], cand: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One saturation over the stem's evidence, under an idf between the
        family's and the typed form's (see the class docstring)."""
        mask, stem_pseudo = self._pseudo(ev, stems, cand)
        if not mask.any():
            return mask, stem_pseudo
        # The typed form's occurrences weighed as the stem's in the same field
        # (the first term of a field is the word itself).
        first_stem: dict[str, float] = {}
        first_exact: dict[str, float] = {}
        for t in stems:
            first_stem.setdefault(t.field + "_exact", t.boost)
        for t in exacts:
            first_exact.setdefault(t.field, t.boost)
        scale = {f: first_stem[f] / b for f, b in first_exact.items() if f in first_stem and b > 0}
        _, exact_pseudo = self._pseudo(ev, exacts, cand, scale)
        family = self._idf(ev, stems)
        if self.rarity_idf:
            form = max(self._idf(ev, exacts), family * (1 + self.exact_share))
            share = np.minimum(1.0, exact_pseudo / np.maximum(stem_pseudo, 1e-9))
            idf = family + share * (form - family)
            return mask, idf * stem_pseudo * (self.k1 + 1) / (stem_pseudo + self.k1)
        # The typed form's occurrences count again at a share its rarity
        # beside the family's gives (at least ``exact_share``).
        extra = max(self.exact_share, self._idf(ev, exacts) / max(family, 1e-9) - 1)
        pseudo = stem_pseudo + extra * exact_pseudo
        return mask, family * pseudo * (self.k1 + 1) / (pseudo + self.k1)

    def token(self, ev: Evaluation, terms: tuple[plan.Term, ...], cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        stems = tuple(t for t in terms if not t.field.endswith("_exact"))
        exacts = tuple(t for t in terms if t.field.endswith("_exact"))
        if stems and exacts and self.exact_share and self.exact_rarity:
            return self._rare_form(ev, stems, exacts, cand)
        mask, score = self._combined(ev, stems or exacts, cand)
        if stems and exacts and self.exact_share:
            exact_mask, exact_score = self._combined(ev, exacts, cand)
            mask |= exact_mask
            score = score + self.exact_share * exact_score
        return mask, score

    def phrase(self, ev: Evaluation, node: plan.Phrase, cand: np.ndarray) -> np.ndarray:
        score = np.zeros(cand.size)
        for w in node.words:
            score += self._combined(ev, (plan.Term(node.field, w),), cand)[1]
        return score * node.boost

    def proximity(self, ev: Evaluation, node: plan.Phrase, cand: np.ndarray) -> np.ndarray:
        bonus = sum(self._idf(ev, (plan.Term(node.field, w),)) for w in node.stands_for or node.words)
        return np.full(cand.size, self.proximity_share * node.boost * bonus)


def _matching_terms(token: plan.Token) -> tuple[plan.Term, ...]:
    """The terms that decide whether a token matches. An exact twin's documents
    are a subset of its stem's in the same field (the stem is the exact form,
    stemmed), so when stems are present the twins add no matches, only score."""
    stems = tuple(t for t in token.terms if not t.field.endswith("_exact"))
    return stems or token.terms


def term_postings(snap: Snapshot, term: plan.Term, within: frozenset[str] | None = None) -> Postings:
    """A term's postings (``within``: of these segments only, see
    :meth:`Snapshot.postings`); a compound written apart's are where its two
    words stand next to each other (attested over the whole index, so read whole)."""
    if isinstance(term, plan.Spanning):
        return snap.spanning(term.field, term.words)
    if isinstance(term, plan.Adjacent):
        return snap.adjacent(term.field, *term.parts)
    return snap.postings(term.field, term.text, within)


def lookup(ids: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``cand`` are in the sorted ``ids``, and where."""
    if not ids.size or not cand.size:
        return np.zeros(cand.size, dtype=bool), np.zeros(cand.size, dtype=np.intp)
    where = np.searchsorted(ids, cand)
    where[where == ids.size] = 0
    return ids[where] == cand, where


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    arrays = [a for a in arrays if a.size]
    if not arrays:
        return EMPTY
    if len(arrays) == 1:
        return arrays[0].astype(np.int64, copy=False)
    # Sorting concatenated sorted runs is cheap (numpy 2's hash-based np.unique
    # was ~40x slower here); equal neighbours are then dropped.
    merged = np.concatenate(arrays).astype(np.int64, copy=False)
    merged.sort(kind="stable")
    keep = np.empty(merged.size, dtype=bool)
    keep[0] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


class Deadline:
    """A point in time after which optional work stops (``timed_out`` says so).
    ``clock`` is a class attribute so a test can stop or jump time."""

    clock = staticmethod(time.perf_counter)

    def __init__(self, seconds: float | None):
        self.at = None if seconds is None else self.clock() + seconds
        self.timed_out = False

    def passed(self) -> bool:
        if self.at is not None and self.clock() > self.at:
            self.timed_out = True
        return self.timed_out


@dataclass
class Evaluation:
    """One request's evaluation of a plan over one snapshot."""

    snap: Snapshot
    scorer: Scorer
    deadline: Deadline = field(default_factory=lambda: Deadline(None))
    # Candidates asked about that lie in these segments (alerts matching new
    # articles): postings are read from those segments alone, and a phrase is
    # checked on the candidates instead of on every document holding its words.
    within: frozenset[str] | None = None
    _phrases: dict = field(default_factory=dict)

    # -- matching ----------------------------------------------------------------

    def estimate(self, node: plan.Node) -> int:
        """A cheap upper bound of a node's match count (which child to start from)."""
        match node:
            case plan.Term():
                if self.within is not None and isinstance(node, plan.Adjacent):
                    return 0  # (an order only: not worth reading across the index)
                return term_postings(self.snap, node, self.within).ids.size
            case plan.Token():  # (within segments: the terms that decide a match, no compound read apart)
                terms = node.terms if self.within is None else _matching_terms(node)
                return sum(self.estimate(t) for t in terms)
            case plan.Phrase():
                return min(self.snap.postings(node.field, w, self.within).ids.size for w in node.words)
            case plan.All():
                return min(self.estimate(c) for c in node.children)
            case plan.Any():
                return sum(self.estimate(c) for c in node.children)
            case plan.Excluding():
                return self.estimate(node.include)
            case plan.Keyword() | plan.Everything():
                return self.snap.doc_count_all
            case _:
                assert_never(node)

    def docs(self, node: plan.Node) -> np.ndarray:
        """Sorted global docnums matching ``node`` (deleted ones included)."""
        match node:
            case plan.Term():
                return term_postings(self.snap, node).ids.astype(np.int64)
            case plan.Token():
                return _union([term_postings(self.snap, t).ids for t in _matching_terms(node)])
            case plan.Phrase():
                return self._phrase_docs(node)
            case plan.Keyword():
                return np.flatnonzero(self._keyword_table(node)[self.snap.codes[node.column]])
            case plan.All():
                children = sorted(node.children, key=self.estimate)
                cand = self.docs(children[0])
                for child in children[1:]:
                    if not cand.size:
                        break
                    cand = cand[self.matches(child, cand)]
                return cand
            case plan.Any():
                return _union([self.docs(c) for c in self._until_deadline(node.children)])
            case plan.Excluding():
                cand = self.docs(node.include)
                return cand[~self.matches(node.exclude, cand)] if cand.size else cand
            case plan.Everything():
                return np.flatnonzero(self.snap.live)
            case _:
                assert_never(node)

    def matches(self, node: plan.Node, cand: np.ndarray) -> np.ndarray:
        """Which of ``cand`` match ``node`` (no scores)."""
        match node:
            case plan.Term() | plan.Token():
                terms = _matching_terms(node) if isinstance(node, plan.Token) else (node,)
                mask = np.zeros(cand.size, dtype=bool)
                for t in terms:
                    if self.within is not None and isinstance(t, plan.Adjacent) and not self._may_hold(t, cand):
                        continue  # the candidates lack one of its words: no need to read it across the index
                    mask |= lookup(term_postings(self.snap, t, self.within).ids, cand)[0]
                return mask
            case plan.All():
                mask = np.ones(cand.size, dtype=bool)
                for child in sorted(node.children, key=self.estimate):
                    mask[mask] = self.matches(child, cand[mask])
                return mask
            case plan.Any():
                mask = np.zeros(cand.size, dtype=bool)
                for child in node.children:
                    mask[~mask] = self.matches(child, cand[~mask])
                return mask
            case plan.Excluding():
                mask = self.matches(node.include, cand)
                mask[mask] = ~self.matches(node.exclude, cand[mask])
                return mask
            case plan.Everything():
                return np.ones(cand.size, dtype=bool)
            case plan.Keyword():
                return self._keyword_table(node)[self.snap.codes[node.column][cand]]
            case plan.Phrase():
                if self.within is not None:  # these candidates only: their words, then positions
                    mask = self.matches(plan.All(tuple(plan.Term(node.field, w) for w in node.words)), cand)
                    mask[mask] = self.phrase_mask(node, cand[mask])
                    return mask
                return lookup(self._phrase_docs(node), cand)[0]
            case _:
                assert_never(node)

    def _may_hold(self, term: plan.Adjacent, cand: np.ndarray) -> bool:
        """Whether any of ``cand`` holds every word of a compound written apart
        (or of a learned long form)."""
        positional = positional_twin(term.field)
        held = term.held_words
        return all(lookup(self.snap.postings(positional, w, self.within).ids, cand)[0].any() for w in held)

    def _keyword_table(self, node: plan.Keyword) -> np.ndarray:
        """Per vocabulary code: is it the key, or a ``key/...`` below it?"""
        return self.snap.key_codes[node.column].table([node.key])

    def _phrase_docs(self, node: plan.Phrase) -> np.ndarray:
        found = self._phrases.get(node)
        if found is None:
            cand = self.docs(plan.All(tuple(plan.Term(node.field, w) for w in node.words)))
            found = cand[self.phrase_mask(node, cand)]
            self._phrases[node] = found
        return found

    def phrase_mask(self, node: plan.Phrase, cand: np.ndarray) -> np.ndarray:
        """Which of ``cand`` (each holding every word) have the words in order
        within the slop. Stops at the deadline (the rest count as no match)."""
        mask = np.zeros(cand.size, dtype=bool)
        positions = [self.snap.positions(node.field, w, cand, self.within) for w in dict.fromkeys(node.words)]
        by_word = dict(zip(dict.fromkeys(node.words), positions))
        for i, doc in enumerate(cand.tolist()):
            if i % CHECK_EVERY == 0 and i and self.deadline.passed():
                break
            lists = [by_word[w].get(doc) or [] for w in node.words]
            if all(lists) and in_order_within(lists, node.slop):
                mask[i] = True
        return mask

    # -- scoring -----------------------------------------------------------------

    def evaluate(self, node: plan.Node, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(matched mask, score) of ``node`` over the sorted candidates."""
        match node:
            case plan.Term():
                return self.scorer.token(self, (node,), cand)
            case plan.Token():
                return self.scorer.token(self, node.terms, cand)
            case plan.Phrase():
                mask = lookup(self._phrase_docs(node), cand)[0]
                return mask, np.where(mask, self.scorer.phrase(self, node, cand), 0.0)
            case plan.All():
                mask = np.ones(cand.size, dtype=bool)
                score = np.zeros(cand.size)
                for child in node.children:  # every child decides the match: no early stop
                    m, s = self.evaluate(child, cand)
                    mask &= m
                    score += s
                return mask, np.where(mask, score, 0.0)
            case plan.Any():
                mask = np.zeros(cand.size, dtype=bool)
                score = np.zeros(cand.size)
                for child in self._until_deadline(node.children):
                    m, s = self.evaluate(child, cand)
                    mask |= m
                    score += s
                return mask, score
            case plan.Excluding():
                m, s = self.evaluate(node.include, cand)
                m = m & ~self.matches(node.exclude, cand)
                return m, np.where(m, s, 0.0)
            case plan.Everything():
                return np.ones(cand.size, dtype=bool), np.ones(cand.size)
            case plan.Keyword():
                return self.matches(node, cand), np.zeros(cand.size)
            case _:
                assert_never(node)

    def _until_deadline(self, children: tuple[plan.Node, ...]):
        """The children of an OR, the first always, the rest while time is left
        (past the deadline the unscored alternatives are left out)."""
        for i, child in enumerate(children):
            if i and self.deadline.passed():
                return
            yield child


def in_order_within(lists: list[list[int]], slop: int) -> bool:
    """Whoosh's ordered span rule: positions p0 < p1 < ... of the words in
    turn, each gap between 1 and ``slop``."""
    ends = set(lists[0])
    for positions in lists[1:]:
        ends = {p for p in positions if any(1 <= p - e <= slop for e in ends)}
        if not ends:
            return False
    return True


def rank_order(docs: np.ndarray, scores: np.ndarray, published: np.ndarray) -> np.ndarray:
    """Indexes that sort by score (ties at 6 decimals: newest, then docnum)."""
    return np.lexsort((docs, -published[docs], -np.round(scores, SCORE_DECIMALS)))


def top_scored(
    ev: Evaluation, query: plan.Node, proximity: tuple[plan.Phrase, ...], cand: np.ndarray, depth: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``depth`` best of ``cand`` (docnums, scores), best first.

    The proximity bonus needs positions, so it is computed head first: each
    candidate's upper bound (base score plus every proximity phrase it could
    match) orders the checks, and checking stops once the ``depth``-th exact
    score beats every unchecked upper bound: the rest cannot enter."""
    if not cand.size or depth <= 0:
        return EMPTY, np.zeros(0)
    _, base = ev.evaluate(query, cand)
    exact = base.copy()
    if proximity:
        bonus_scores, possible = [], []
        for phrase in proximity:
            can = np.ones(cand.size, dtype=bool)
            for w in phrase.words:
                can &= lookup(ev.snap.postings(phrase.field, w).ids, cand)[0]
            possible.append(can)
            bonus_scores.append(np.where(can, ev.scorer.proximity(ev, phrase, cand), 0.0))
        upper = base + sum(bonus_scores)
        # Phrases standing for the same words in one field (the words, or two
        # of them written as one) give the better of their bonuses, not both.
        groups = [(phrase.field, phrase.stands_for or phrase.words) for phrase in proximity]
        given = {g: np.zeros(cand.size) for g in groups}
        pending = np.flatnonzero(np.any(possible, axis=0))
        pending = pending[np.argsort(-upper[pending], kind="stable")]
        checked = np.ones(cand.size, dtype=bool)
        checked[pending] = False
        start, chunk = 0, max(2 * depth, 32)
        while start < pending.size:
            if checked.sum() >= depth:
                kth = np.partition(exact[checked], -depth)[-depth]
                if kth > upper[pending[start]] + 10**-SCORE_DECIMALS:
                    break
            if ev.deadline.passed():
                break
            batch = np.sort(pending[start : start + chunk])
            for phrase, can, bonus, group in zip(proximity, possible, bonus_scores, groups):
                sub = batch[can[batch]]
                if sub.size:
                    won = sub[ev.phrase_mask(phrase, cand[sub])]
                    more = np.maximum(bonus[won] - given[group][won], 0.0)
                    exact[won] += more
                    given[group][won] += more
            checked[batch] = True
            start += chunk
            chunk *= 2
    if depth < cand.size:
        threshold = np.partition(exact, -depth)[-depth] - 10**-SCORE_DECIMALS
        keep = np.flatnonzero(exact >= threshold)
    else:
        keep = np.arange(cand.size)
    order = keep[rank_order(cand[keep], exact[keep], ev.snap.published)][:depth]
    return cand[order], exact[order]

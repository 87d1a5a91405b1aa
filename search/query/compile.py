"""The user's query (its syntax tree, :mod:`.syntax`) compiled into a plan.

Words go through the same analysis as the index. An unquoted word matches its
stem in title and body, and its exact (unstemmed) form adds score, so exact
matches rank above stem-only ones. A quoted phrase matches exact forms only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import assert_never, cast

from whoosh import query as wq

from index.analysis import FREQUENT_STOPWORDS, SHIPPED, Analysis
from index.model import normalise_key

from ..memo import BoundedMemo
from . import plan
from .acronyms import NO_ACRONYMS, AcronymMap
from .old_spelling import spellings
from .syntax import Group, Not, SyntaxNode, Word, parse_user_query


@dataclass(frozen=True)
class Weights:
    """Boosts for each index field; tuned with bench/quality.py."""

    title: float = 2.0
    body: float = 1.0
    title_exact: float = 1.0
    body_exact: float = 0.5
    proximity_title: float = 1.5
    proximity_body: float = 1.0
    proximity_slop: int = 3
    proximity: bool = True  # the phrase/proximity boost for unquoted words
    exact_twins: bool = True  # score exact (unstemmed) matches on top of stems
    compounds: bool = True  # a word also matches it written apart, two words it written as one
    old_spellings: bool = True  # a word also matches its old or modern spelling (Soekarno / Sukarno)
    acronyms: bool = True  # a learned acronym also matches its long form, and back (KPK / Komisi ...)
    # Issue 27: a frequent stopword (index.analysis.FREQUENT_STOPWORDS) is left
    # out of a query that has other words; any other stopword is searched.
    drop_frequent_stopwords: bool = True
    hyphen_apart: bool = True  # pro-kontra also matches "pro kontra" written apart
    # A compound is one occurrence: the joined form of two query words counts
    # half in each word's token (once for the pair), its written-apart form
    # weighs as the joined one (stem and exact evidence alike), and the
    # proximity bonus of the pair is the better of the two forms', not both.
    # Off by default: not up on the fresh set (-0.002, 95% CI [-0.007, +0.000]).
    compound_once: bool = False


DEFAULT_WEIGHTS = Weights()


@dataclass
class CompiledQuery:
    """A query plan plus what ranking and highlighting need to know.

    ``query`` selects and scores the matches; ``proximity`` holds the phrases
    whose match adds a bonus for the query words standing together (computed
    only for the top of the ranking)."""

    query: plan.Node | None  # None when is_empty
    proximity: tuple[plan.Phrase, ...]
    highlight_terms: set[str]
    is_empty: bool
    relaxations: tuple[tuple[str, plan.Node], ...] = ()  # (left-out word, the query without it)
    # Each "first second" a word may be written apart as, with the stems of
    # its parts: highlighted once an index is known to hold it (see pruned).
    apart: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def pruned(self, holds: Callable[[plan.Term], bool]) -> CompiledQuery:
        """This query with the terms ``holds`` says no document holds left out
        (see :func:`plan.without_empty_terms`); the parts of the compounds
        written apart that remain are highlighted too."""
        if self.query is None:
            return self
        query = plan.without_empty_terms(self.query, holds)
        kept = _texts_apart(query)
        return replace(
            self,
            query=query,
            relaxations=tuple((word, plan.without_empty_terms(q, holds)) for word, q in self.relaxations),
            highlight_terms=self.highlight_terms | {stem for text in kept for stem in self.apart[text]},
            apart={text: self.apart[text] for text in kept},
        )

    def nonempty_query(self) -> plan.Node:
        """``query``, for callers that have ruled out an empty query
        (``is_empty``), typed as such. One that gets through anyway raises the
        TypeError that evaluating or converting None always raised."""
        if self.query is None:
            raise TypeError("not a plan node: None")
        return self.query

    def whoosh(self) -> wq.Query:
        """The equivalent Whoosh query (the matcher-tree reference)."""
        q = plan.to_whoosh(self.nonempty_query())
        if not self.proximity:
            return q
        extra = [plan.to_whoosh(p) for p in self.proximity]
        return wq.AndMaybe(q, extra[0] if len(extra) == 1 else plan.UnionOr(extra))


class QueryCompiler:
    """Turns the syntax tree into a query plan over our schema."""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, analysis: Analysis = SHIPPED):
        self.weights = weights
        self.stemmed = analysis.stemmed()
        self.exact = analysis.exact()
        self._analysed = BoundedMemo(ANALYSED_MEMO)  # (analyzer id, text) -> its terms
        self._compiled = BoundedMemo(COMPILED_MEMO)  # (query text, acronyms version) -> its plan
        self.acronyms = NO_ACRONYMS

    def with_acronyms(self, acronyms: AcronymMap) -> QueryCompiler:
        """This compiler reading ``acronyms`` (an index's learned table); it
        shares the memos, its plans remembered under the table's version."""
        other = copy.copy(self)
        other.acronyms = acronyms if self.weights.acronyms else NO_ACRONYMS
        return other

    def compile(self, text: str) -> CompiledQuery:
        """The plan for a query text, remembered: readers repeat queries, and a
        plan (with every form a word may be written in) takes a while to build.
        The plan is shared, so nobody may change it."""
        key = (text, self.acronyms.version)
        found = self._compiled.get(key)
        return found if found is not None else self._compiled.remember(key, self._compile(text))

    def exact_positions(self, text: str) -> list[tuple[str, int]]:
        """The exact terms of ``text`` with their positions (stopwords leave gaps)."""
        return [(t.text, t.pos) for t in self.exact(text, positions=True, mode="query")]

    def _compile(self, text: str) -> CompiledQuery:
        tree = parse_user_query(text)
        highlight: set[str] = set()
        positive_words: list[str] = []
        q = self._node(tree, highlight, positive_words)
        if q is None:
            return CompiledQuery(None, (), highlight, True)
        if isinstance(q, _Negated):  # only exclusions: everything but those
            q = plan.Excluding(plan.Everything(), q.node)
        apart = {text: tuple(self._terms(self.stemmed, text)) for text in _texts_apart(q)}
        return CompiledQuery(q, self._proximity(tree, positive_words), highlight, False, self._relaxations(tree), apart)

    def _relaxations(self, tree: Group) -> tuple[tuple[str, plan.Node], ...]:
        """For a query of two or more plain words, the query without each one
        in turn (Elasticsearch's minimum_should_match of all but one). Quoted
        phrases, exclusions and scoped terms stay required."""
        if tree.op != "and":
            return ()
        dropped = self._dropped_stopwords(tree.children)
        plain = [
            (i, c)
            for i, c in enumerate(tree.children)
            if isinstance(c, Word)
            and c.field is None
            and not c.phrase
            and i not in dropped
            and self._word(c, set()) is not None
        ]
        if len(plain) < 2:
            return ()
        out: list[tuple[str, plan.Node]] = []
        for i, word in plain:
            kept = Group("and", [c for j, c in enumerate(tree.children) if j != i])
            rest = self._node(kept, set(), [], neighbours=self._joined_neighbours(tree.children, dropped=i))
            if rest is not None and not isinstance(rest, _Negated):
                out.append((word.text, rest))
        return tuple(out)

    def _proximity(self, tree: Group, positive_words: list[str]) -> tuple[plan.Phrase, ...]:
        w = self.weights
        # Frequent stopwords stand in the phrase only where it would hold one
        # word without them (lalu lintas): elsewhere their absence between two
        # words (banjir di jakarta, banjir jakarta) should not cost the bonus.
        dropped = self._dropped_stopwords(tree.children) if tree.op == "and" else set()
        if dropped:
            kept = [word for word in positive_words if not self._is_frequent_stopword(word)]
            if sum(len(self._terms(self.exact, word)) for word in kept) > 1:
                positive_words = kept
        exact_words = tuple(t for word in positive_words for t in self._terms(self.exact, word))
        if not (w.proximity and len(exact_words) > 1 and tree.op == "and"):
            return ()
        # The words, and the words with two neighbours written as one (see
        # _joined_neighbours): either stands together.
        forms = [exact_words]
        if w.compounds and len(exact_words) == len(positive_words):
            forms += [
                (*exact_words[:i], exact_words[i] + exact_words[i + 1], *exact_words[i + 2 :])
                for i in range(len(exact_words) - 1)
            ]
        return tuple(
            plan.Phrase(f, form, w.proximity_slop, boost, stands_for=() if form == exact_words else exact_words)
            for f, boost in (("title_exact", w.proximity_title), ("body_exact", w.proximity_body))
            if boost > 0
            for form in forms
        )

    def _is_frequent_stopword(self, text: str) -> bool:
        terms = self._terms(self.exact, text)
        return bool(terms) and all(t in FREQUENT_STOPWORDS for t in terms)

    def _dropped_stopwords(self, children: list[SyntaxNode]) -> set[int]:
        """The plain words of an AND group that are frequent stopwords, when
        another positive clause remains (a query of stopwords alone keeps them)."""
        if not self.weights.drop_frequent_stopwords:
            return set()
        frequent = {
            i
            for i, c in enumerate(children)
            if isinstance(c, Word) and c.field is None and not c.phrase and self._is_frequent_stopword(c.text)
        }
        others = [i for i, c in enumerate(children) if i not in frequent and not isinstance(c, Not)]
        return frequent if frequent and others else set()

    def stems(self, word: str) -> list[str]:
        """The stemmed terms one plain word searches the title and body for."""
        return self._terms(self.stemmed, word)

    def _terms(self, analyzer, text: str) -> list[str]:
        """The terms ``text`` analyses to, remembered (queries repeat words, and
        relaxed queries analyse each word again)."""
        key = (id(analyzer), text)
        found = self._analysed.get(key)
        if found is None:
            found = self._analysed.remember(key, [t.text for t in analyzer(text, mode="query")])
        return found

    def _node(
        self,
        node: SyntaxNode,
        highlight: set[str],
        positive: list[str],
        joined: tuple[str, ...] = (),
        neighbours: dict[int, tuple[str, ...]] | None = None,
    ):
        match node:
            case _LongForm():
                return self._long_form(node, highlight, positive)
            case Word():
                if node.field is None and not node.phrase:
                    positive.append(node.text)
                return self._word(node, highlight, joined)
            case Not():
                inner = self._node(node.node, set(), [])
                return _Negated(inner) if inner is not None else None
            case Group():
                return self._group(node, highlight, positive, neighbours)
            case _:
                assert_never(node)

    def _group(
        self, node: Group, highlight: set[str], positive: list[str], neighbours: dict[int, tuple[str, ...]] | None
    ):
        if neighbours is None:
            if node.op == "and" and self.acronyms.acronyms:
                node = Group("and", self._long_forms_read(node.children))
            neighbours = self._joined_neighbours(node.children) if node.op == "and" else {}
        dropped = self._dropped_stopwords(node.children) if node.op == "and" else set()
        built = []
        for i, c in enumerate(node.children):
            if i in dropped:  # left out of the match, still a word of the proximity phrase
                positive.append(cast(Word, c).text)
            else:
                built.append(self._node(c, highlight, positive if node.op == "and" else [], neighbours.get(i, ())))
        children = [c for c in built if c is not None]
        if not children:
            return None
        if node.op == "or":
            # An excluded branch inside OR means "anything but" that.
            children = [plan.Excluding(plan.Everything(), c.node) if isinstance(c, _Negated) else c for c in children]
            return children[0] if len(children) == 1 else plan.Any(tuple(children))
        positives = [c for c in children if not isinstance(c, _Negated)]
        negatives = [c.node for c in children if isinstance(c, _Negated)]
        if not positives:
            return _Negated(negatives[0] if len(negatives) == 1 else plan.Any(tuple(negatives)))
        q = positives[0] if len(positives) == 1 else plan.All(tuple(positives))
        for neg in negatives:
            q = plan.Excluding(q, neg)
        return q

    def _long_forms_read(self, children: list[SyntaxNode]) -> list[SyntaxNode]:
        """``children`` with each run of plain words that is a learned long
        form (*komisi pemberantasan korupsi*) as one :class:`_LongForm`."""
        words: list[str | None] = []
        for c in children:
            if isinstance(c, Word) and c.field is None and not c.phrase:
                terms = self._terms(self.exact, c.text)
                words.append(terms[0] if len(terms) == 1 else "" if not terms else None)
            else:
                words.append(None)
        out: list[SyntaxNode] = []
        i = 0
        while i < len(children):
            found = self.acronyms.longest_at(words, i)
            if found is None:
                out.append(children[i])
                i += 1
                continue
            length, acronym = found
            text = " ".join(cast(Word, c).text for c in children[i : i + length])
            out.append(cast(SyntaxNode, _LongForm(text, acronym)))
            i += length
        return out

    def _long_form(self, node: _LongForm, highlight: set[str], positive: list[str]) -> plan.Node | None:
        """A long form typed in full: its words as typed, or its acronym in an
        article that does not write them. The words keep their own tokens (and
        proximity), so the articles writing them rank as before; the acronym
        stands in for the long form only where the long form is missing, one
        word as a spelling variant is, so an article writing both is not
        counted twice (initials beside a name, *Benny Wenda (BW)*, lifted
        those articles above the ones writing the name alone)."""
        w = self.weights
        words = [self._word(Word(text), highlight) for text in node.text.split()]
        positive += node.text.split()
        parts = tuple(p for p in words if p is not None)
        if not parts:
            return None
        highlight.update(self._terms(self.stemmed, node.acronym))
        terms: list[plan.Term] = []
        for f in ("title", "body"):
            terms.append(plan.Term(f, node.acronym, getattr(w, f) or 0.001))
        written = parts[0] if len(parts) == 1 else plan.All(parts)
        return plan.Any((written, plan.Excluding(plan.Token(tuple(terms)), written)))

    def _joined_neighbours(self, children: list[SyntaxNode], dropped: int | None = None) -> dict[int, tuple[str, ...]]:
        """For each plain word next to another plain word, the two written as one
        (``bulu tangkis`` / ``bulutangkis``, ``ibu kota`` / ``ibukota``, a hashtag's
        ``#reformasidikorupsi``): Indonesian writes many compounds both ways. Only
        words that analyse to one term each are joined. With ``dropped`` (a
        relaxed query), pairs with that child are left out and the keys count
        the children without it: the words it stood between were never
        neighbours."""
        if not self.weights.compounds:
            return {}
        single = [
            isinstance(c, Word)
            and c.field is None
            and not c.phrase
            and len(self._terms(self.stemmed, c.text)) == 1
            and len(self._terms(self.exact, c.text)) == 1
            and not (self.weights.drop_frequent_stopwords and self._is_frequent_stopword(c.text))
            for c in children
        ]
        out: dict[int, tuple[str, ...]] = {}
        for i in range(len(children) - 1):
            if single[i] and single[i + 1] and dropped not in (i, i + 1):
                text = (
                    self._terms(self.exact, cast(Word, children[i]).text)[0]
                    + self._terms(self.exact, cast(Word, children[i + 1]).text)[0]
                )
                for j in (i, i + 1):
                    key = j - 1 if dropped is not None and j > dropped else j
                    out[key] = out.get(key, ()) + (text,)
        return out

    def _word(self, word: Word, highlight: set[str], joined: tuple[str, ...] = ()) -> plan.Node | None:
        w = self.weights
        scope = word.field
        if scope in ("category", "source"):
            key = normalise_key(word.text)
            return plan.Keyword(scope, key) if key else None
        if scope == "author":
            names = self._terms(self.exact, word.text)
            if not names:
                return None
            return plan.Phrase("author", tuple(names)) if len(names) > 1 else plan.Term("author", names[0])
        fields = ("title", "body") if scope is None else (scope,)
        if word.phrase:
            return self._phrase(word.text, fields, highlight)
        stems = self._terms(self.stemmed, word.text)
        exacts = self._terms(self.exact, word.text)
        if not stems:
            return None
        highlight.update(stems)
        forms = list(zip(stems, exacts + stems[len(exacts) :]))
        # The word written together with a neighbour, or written apart, counts
        # as an occurrence of it: one BM25F token over every written form.
        also = [(stem, text) for text in joined for stem in self._terms(self.stemmed, text)[:1]]
        # Another spelling (old or modern) is the same word but not the form
        # typed: its stem counts, its exact form adds nothing (as a spelling
        # variant's, which the stemmer joins), so the typed form ranks first.
        respelled = self._spellings(exacts[0]) if w.old_spellings and len(forms) == 1 and len(exacts) == 1 else []
        also += respelled
        highlight.update(stem for stem, _ in also)
        half = 0.5 if w.compound_once else 1.0  # a joined form stands in two neighbouring tokens
        apart = _written_apart(exacts[0]) if w.compounds and len(forms) == 1 and len(exacts) == 1 else ()
        if w.hyphen_apart and len(forms) == 1 and len(exacts) == 1:
            apart += _hyphen_apart(exacts[0])
        tokens = []
        for stem, exact in forms:
            terms = []
            for i, (s, e) in enumerate([(stem, exact)] + (also if len(forms) == 1 else [])):
                share = 1.0 if i == 0 else half
                typed = i <= len(also) - len(respelled)  # the word as typed, or joined or written apart
                for f in fields:
                    terms.append(plan.Term(f, s, (getattr(w, f) or 0.001) * share))
                    if typed and w.exact_twins and getattr(w, f + "_exact") > 0:
                        terms.append(plan.Term(f + "_exact", e, getattr(w, f + "_exact") * share))
            if w.compound_once:
                # Written apart: the same weights as the joined form, as stem
                # and as exact evidence (one positional reading stands for both).
                terms += [plan.Adjacent(f, pair, getattr(w, f) or 0.001) for pair in apart for f in fields]
                if w.exact_twins:
                    terms += [
                        plan.Adjacent(f + "_exact", pair, getattr(w, f + "_exact"))
                        for pair in apart
                        for f in fields
                        if getattr(w, f + "_exact") > 0
                    ]
            else:
                # Written apart: the stem field's weight with its exact twin's.
                terms += [
                    plan.Adjacent(
                        f, pair, (getattr(w, f) or 0.001) + (getattr(w, f + "_exact") if w.exact_twins else 0)
                    )
                    for pair in apart
                    for f in fields
                ]
            long_form = self.acronyms.long_forms.get(exact) if len(forms) == 1 else None
            if long_form:  # a learned acronym: its long form written out is the same word, not the form typed
                terms += [plan.Spanning(f, " ".join(long_form), getattr(w, f) or 0.001) for f in fields]
            tokens.append(plan.Token(tuple(terms)))
        return tokens[0] if len(tokens) == 1 else plan.All(tuple(tokens))

    def _spellings(self, exact: str) -> list[tuple[str, str]]:
        """(stem, exact form) of the word's other spellings, old or modern
        (:mod:`.old_spelling`), each one term; the snapshot keeps those written."""
        out = []
        for form in sorted(spellings(exact)):
            stems, exacts = self._terms(self.stemmed, form), self._terms(self.exact, form)
            if len(stems) == 1 and len(exacts) == 1:
                out.append((stems[0], exacts[0]))
        return out

    def _phrase(self, text: str, fields: tuple[str, ...], highlight: set[str]) -> plan.Node | None:
        w = self.weights
        tokens = [(t.text, t.pos) for t in self.exact(text, positions=True, mode="query")]
        if not tokens:
            return None
        highlight.update(self._terms(self.stemmed, text))
        words = tuple(t for t, _ in tokens)
        boosts = {f: getattr(w, f) + getattr(w, f + "_exact") for f in fields}
        nodes: list[plan.Node]
        if len(words) == 1:
            nodes = [plan.Term(f + "_exact", words[0], boosts[f]) for f in fields]
        else:
            # A stopword inside the phrase is not indexed but keeps its
            # position: allow the gap it leaves.
            gap = max(b[1] - a[1] for a, b in zip(tokens, tokens[1:]))
            nodes = [plan.Phrase(f + "_exact", words, slop=gap, boost=boosts[f]) for f in fields]
        return nodes[0] if len(nodes) == 1 else plan.Any(tuple(nodes))


def _texts_apart(node: plan.Node) -> set[str]:
    """The compounds written apart anywhere in a plan's positive part."""
    match node:
        case plan.Adjacent():
            return {node.text}
        case plan.Token():
            return {t.text for t in node.terms if isinstance(t, plan.Adjacent)}
        case plan.All() | plan.Any():
            return set().union(*(_texts_apart(c) for c in node.children))
        case plan.Excluding():
            return _texts_apart(node.include)
        case plan.Term() | plan.Phrase() | plan.Keyword() | plan.Everything():
            return set()
        case _:
            assert_never(node)


COMPILED_MEMO = 20_000  # query texts whose plans the compiler remembers
ANALYSED_MEMO = 50_000  # (analyzer, word) pairs whose terms the compiler remembers
APART_MIN_CHARS = 3  # each part of a compound written apart (ibu kota, pra kerja)


def _written_apart(word: str) -> tuple[str, ...]:
    """The ways ``word`` could be written as two words (``ibukota``: ``ibu kota``,
    ``ibuk ota``); the snapshot keeps only the ones the corpus attests."""
    if not word.isalpha():
        return ()
    return tuple(f"{word[:i]} {word[i:]}" for i in range(APART_MIN_CHARS, len(word) - APART_MIN_CHARS + 1))


def _hyphen_apart(word: str) -> tuple[str, ...]:
    """A two-part hyphenated word written apart (``pro-kontra``: ``pro kontra``);
    reduplication (``anak-anak``) is left to the whole form and its part."""
    parts = word.split("-")
    if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
        return ()
    return (f"{parts[0]} {parts[1]}",)


@dataclass(frozen=True)
class _LongForm:
    """A run of query words that is a learned acronym's long form."""

    text: str  # the words as typed
    acronym: str  # its exact term


@dataclass(frozen=True)
class _Negated:
    """An excluded clause while its parent group is being built."""

    node: plan.Node

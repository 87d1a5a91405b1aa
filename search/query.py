"""The user query language, parsed leniently into Whoosh queries.

Syntax: words are ANDed; ``"exact phrase"``; ``-word`` or ``-"phrase"``
excludes; ``OR`` and parentheses; ``title:``, ``body:``, ``category:``,
``source:``, ``author:`` scope a term or phrase. Anything that does not fit —
an unbalanced quote or parenthesis, a stray operator, a lone ``-``, an unknown
field, emoji, control characters — is read as plain words, never an error.

Words go through the same analysis as the index. An unquoted word matches its
stem in title and body, and its exact (unstemmed) form adds score, so exact
matches rank above stem-only ones. A quoted phrase matches exact forms only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Union

from whoosh import query as wq

from index.analysis import exact_analyzer, stemmed_analyzer
from index.model import normalise_key

SCOPES = ("title", "body", "category", "source", "author")
TOKEN = re.compile(
    r'(?P<lparen>\()|(?P<rparen>\))'
    r'|(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?"(?P<phrase>[^"]*)"'
    r'|(?P<word>[^\s()"]+)'
    r'|(?P<quote>")'
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    proximity: bool = True       # the phrase/proximity boost for unquoted words
    exact_twins: bool = True     # score exact (unstemmed) matches on top of stems


DEFAULT_WEIGHTS = Weights()


@dataclass
class Word:
    text: str
    field: str | None = None
    phrase: bool = False


@dataclass
class Not:
    node: "Node"


@dataclass
class Group:
    op: str  # "and" | "or"
    children: list["Node"] = field(default_factory=list)


Node = Union[Word, Not, Group]


def _lex(text: str) -> list[tuple[str, object]]:
    """Tokens for the parser; a stray quote starts no phrase."""
    tokens: list[tuple[str, object]] = []
    for m in TOKEN.finditer(CONTROL.sub(" ", text)):
        if m["lparen"]:
            tokens.append(("(", None))
        elif m["rparen"]:
            tokens.append((")", None))
        elif m["phrase"] is not None:
            scope = (m["field"] or "").lower()
            if m["field"] and scope not in SCOPES:
                word = Word(f'{m["field"]} {m["phrase"]}', None, True)
            else:
                word = Word(m["phrase"], scope or None, True)
            tokens.append(("neg" if m["neg"] else "term", word))
        elif m["word"]:
            raw = m["word"]
            if raw == "OR":
                tokens.append(("or", None))
                continue
            negated = raw.startswith("-") and len(raw) > 1
            raw = raw[1:] if negated else raw
            scope, sep, rest = raw.partition(":")
            if sep and scope.lower() in SCOPES and rest:
                word = Word(rest, scope.lower())
            else:
                word = Word(raw)
            tokens.append(("neg" if negated else "term", word))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, object]]):
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def parse(self) -> Group:
        node = self.or_expr()
        while self.i < len(self.tokens):  # an unmatched ")" is skipped
            self.i += 1
            more = self.or_expr()
            node = Group("and", [node, more])
        return node

    def or_expr(self) -> Group:
        branches = [self.and_expr()]
        while self.peek() == "or":
            self.i += 1
            branches.append(self.and_expr())
        branches = [b for b in branches if b.children]
        if len(branches) == 1:
            return branches[0]
        return Group("or", branches)

    def and_expr(self) -> Group:
        group = Group("and")
        while True:
            kind = self.peek()
            if kind is None or kind in (")", "or"):
                return group
            self.i += 1
            value = self.tokens[self.i - 1][1]
            if kind == "term":
                group.children.append(value)
            elif kind == "neg":
                group.children.append(Not(value))
            elif kind == "(":
                inner = self.or_expr()
                if self.peek() == ")":
                    self.i += 1
                if inner.children:
                    group.children.append(inner)


def parse_user_query(text: str) -> Group:
    """The query's syntax tree (never raises)."""
    return _Parser(_lex(text)).parse()


class UnionOr(wq.Or):
    """An Or that always uses Whoosh's binary tree of union matchers. The
    "auto" choice preloads whole posting lists into arrays on segments under
    5,000 documents, which made searches on a multi-segment index ~2x slower."""

    matcher_type = wq.Or.DEFAULT_MATCHER


@dataclass
class CompiledQuery:
    """Whoosh queries plus what ranking and highlighting need to know.

    ``query`` scores (stems, exact twins, proximity); ``match_query`` selects
    the same documents more cheaply (stems only) for counts and facets."""

    query: wq.Query | None
    match_query: wq.Query | None
    highlight_terms: set[str]
    is_empty: bool


class QueryCompiler:
    """Turns the syntax tree into Whoosh queries over our schema."""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, stemming: str = "protected"):
        self.weights = weights
        self.stemmed = stemmed_analyzer(stemming)
        self.exact = exact_analyzer()

    def compile(self, text: str) -> CompiledQuery:
        tree = parse_user_query(text)
        highlight: set[str] = set()
        q = self._build(tree, self.weights, highlight)
        if q is None:
            return CompiledQuery(None, None, highlight, True)
        matching_only = replace(self.weights, exact_twins=False, proximity=False)
        return CompiledQuery(q, self._build(tree, matching_only, set()), highlight, False)

    def _build(self, tree: Group, weights: Weights, highlight: set[str]) -> wq.Query | None:
        positive_words: list[str] = []
        q = self._node(tree, weights, highlight, positive_words)
        if q is None:
            return None
        if isinstance(q, wq.Not):  # only exclusions: everything but those
            q = wq.AndNot(wq.Every(), q.query)
        exact_words = [t for w in positive_words for t in self._terms(self.exact, w)]
        if weights.proximity and len(exact_words) > 1 and tree.op == "and":
            phrases = [wq.Phrase(f, exact_words, slop=weights.proximity_slop, boost=boost)
                       for f, boost in (("title_exact", weights.proximity_title), ("body_exact", weights.proximity_body))
                       if boost > 0]  # Whoosh divides by a boost while skipping: never 0
            if phrases:
                q = wq.AndMaybe(q, phrases[0] if len(phrases) == 1 else UnionOr(phrases))
        return q

    @staticmethod
    def _terms(analyzer, text: str) -> list[str]:
        return [t.text for t in analyzer(text, mode="query")]

    def _node(self, node: Node, w: Weights, highlight: set[str], positive: list[str]) -> wq.Query | None:
        if isinstance(node, Word):
            if node.field is None and not node.phrase:
                positive.append(node.text)
            return self._word(node, w, highlight)
        if isinstance(node, Not):
            inner = self._node(node.node, w, set(), [])
            return wq.Not(inner) if inner is not None else None
        children = [self._node(c, w, highlight, positive if node.op == "and" else []) for c in node.children]
        children = [c for c in children if c is not None]
        if not children:
            return None
        if node.op == "or":
            # An excluded branch inside OR means "anything but" that.
            children = [wq.AndNot(wq.Every(), c.query) if isinstance(c, wq.Not) else c for c in children]
            return children[0] if len(children) == 1 else UnionOr(children)
        positives = [c for c in children if not isinstance(c, wq.Not)]
        negatives = [c.query for c in children if isinstance(c, wq.Not)]
        if not positives:
            return wq.Not(negatives[0] if len(negatives) == 1 else UnionOr(negatives))
        q = positives[0] if len(positives) == 1 else wq.And(positives)
        for neg in negatives:
            q = wq.AndNot(q, neg)
        return q

    def _word(self, word: Word, w: Weights, highlight: set[str]) -> wq.Query | None:
        scope = word.field
        if scope in ("category", "source"):
            key = normalise_key(word.text)
            if not key:
                return None
            return UnionOr([wq.Term(scope, key), wq.Prefix(scope, key + "/")])
        if scope == "author":
            terms = self._terms(self.exact, word.text)
            if not terms:
                return None
            return wq.Phrase("author", terms) if len(terms) > 1 else wq.Term("author", terms[0])
        fields = ("title", "body") if scope is None else (scope,)
        if word.phrase:
            return self._phrase(word.text, fields, w, highlight)
        stems = self._terms(self.stemmed, word.text)
        exacts = self._terms(self.exact, word.text)
        if not stems:
            return None
        highlight.update(stems)
        per_token = []
        for i, stem in enumerate(stems):
            exact = exacts[i] if i < len(exacts) else stem
            clauses = []
            for f in fields:
                clauses.append(wq.Term(f, stem, boost=getattr(w, f) or 0.001))
                if w.exact_twins and getattr(w, f + "_exact") > 0:
                    clauses.append(wq.Term(f + "_exact", exact, boost=getattr(w, f + "_exact")))
            per_token.append(clauses[0] if len(clauses) == 1 else UnionOr(clauses))
        return per_token[0] if len(per_token) == 1 else wq.And(per_token)

    def _phrase(self, text: str, fields: tuple[str, ...], w: Weights, highlight: set[str]) -> wq.Query | None:
        tokens = [(t.text, t.pos) for t in self.exact(text, positions=True, mode="query")]
        if not tokens:
            return None
        highlight.update(self._terms(self.stemmed, text))
        words = [t for t, _ in tokens]
        if len(words) == 1:
            queries = [wq.Term(f + "_exact", words[0], boost=getattr(w, f) + getattr(w, f + "_exact"))
                       for f in fields]
        else:
            # A stopword inside the phrase is not indexed but keeps its
            # position: allow the gap it leaves.
            gap = max(b[1] - a[1] for a, b in zip(tokens, tokens[1:]))
            queries = [wq.Phrase(f + "_exact", words, slop=gap, boost=getattr(w, f) + getattr(w, f + "_exact"))
                       for f in fields]
        return queries[0] if len(queries) == 1 else UnionOr(queries)

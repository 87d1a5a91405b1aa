"""Query plans: what a compiled query asks of the index, as plain values.

The compiler (:mod:`search.query.compile`) builds these from the user's syntax tree;
the scorer (:mod:`search.rank.scoring`) evaluates them with array operations. The
same plan converts to the Whoosh query it stands for (:func:`to_whoosh`), so
tests can check the array scorer against Whoosh's own matchers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import assert_never

from whoosh import query as wq


@dataclass(frozen=True)
class Term:
    """One indexed term in one field, scored with ``boost``."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Adjacent(Term):
    """A compound written apart (``ibu kota`` for *ibukota*): two words next
    to each other in ``field``'s positional twin, scored as one term. ``text``
    is the two words with a space between (how the snapshot keys it)."""

    @property
    def parts(self) -> tuple[str, str]:
        first, second = self.text.split(" ", 1)
        return first, second

    @property
    def held_words(self) -> tuple[str, ...]:
        """The words an article holds (in the positional twin) where it matches."""
        return self.parts


@dataclass(frozen=True)
class Spanning(Adjacent):
    """A learned acronym's long form (*komisi pemberantasan korupsi* for
    *KPK*): its words in order in ``field``'s positional twin, scored as one
    term of the acronym's token. ``text`` is the words with a space between,
    ``_`` standing for a stopword's position (*kebakaran hutan _ lahan*)."""

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.text.split(" "))

    @property
    def held_words(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if w != "_")


@dataclass(frozen=True)
class Token:
    """One query token sought in several fields (stem and exact twin in title
    and body): matches where any term does. BM25F scores it as one term."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Phrase:
    """Words in order in one positional field, each gap at most ``slop``."""

    field: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0
    # A proximity phrase with two neighbours written as one word scores as
    # the words it stands for (empty: ``words``).
    stands_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class Keyword:
    """A filter on a keyed column (``category:``, ``source:``): the key itself
    or, as a section, every ``key/...``. Matches without adding score."""

    column: str
    key: str


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Any:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Excluding:
    """Matches of ``include`` that do not match ``exclude``."""

    include: Node
    exclude: Node


@dataclass(frozen=True)
class Everything:
    """Every live document (a query of exclusions only)."""


Node = Term | Token | Phrase | Keyword | All | Any | Excluding | Everything


class UnionOr(wq.Or):
    """An Or that always uses Whoosh's binary tree of union matchers (the
    "auto" choice preloads whole posting lists on small segments)."""

    matcher_type = wq.Or.DEFAULT_MATCHER


def without_empty_terms(node: Node, holds: Callable[[Term], bool]) -> Node:
    """``node`` with the terms no document holds left out of each token (one
    stays, so an empty token still matches nothing): the same matches and
    scores, with less to look up on every evaluation. A word has many forms
    (stem, exact twin, written joined or apart) and most are absent."""
    match node:
        case Token():
            kept = tuple(t for t in node.terms if holds(t))
            return node if len(kept) == len(node.terms) else Token(kept or node.terms[:1])
        case All():
            return All(tuple(without_empty_terms(c, holds) for c in node.children))
        case Any():
            return Any(tuple(without_empty_terms(c, holds) for c in node.children))
        case Excluding():
            return Excluding(without_empty_terms(node.include, holds), without_empty_terms(node.exclude, holds))
        case Term() | Phrase() | Keyword() | Everything():
            return node
        case _:
            assert_never(node)


def to_whoosh(node: Node) -> wq.Query:
    """The Whoosh query this plan stands for (the reference the scorer is
    tested against, and how Whoosh would have answered it)."""
    match node:
        case Term():  # (an Adjacent pair stays one term: Whoosh has no such term, as it had none)
            return wq.Term(node.field, node.text, boost=node.boost)
        case Token():
            terms = [to_whoosh(t) for t in node.terms]
            return terms[0] if len(terms) == 1 else UnionOr(terms)
        case Phrase():
            return wq.Phrase(node.field, list(node.words), slop=node.slop, boost=node.boost)
        case Keyword():
            return UnionOr([wq.Term(node.column, node.key), wq.Prefix(node.column, node.key + "/")])
        case All():
            return wq.And([to_whoosh(c) for c in node.children])
        case Any():
            return UnionOr([to_whoosh(c) for c in node.children])
        case Excluding():
            return wq.AndNot(to_whoosh(node.include), to_whoosh(node.exclude))
        case Everything():
            return wq.Every()
        case _:
            assert_never(node)

"""The user query language, parsed leniently into a syntax tree.

Syntax: words are ANDed; ``"exact phrase"``; ``-word`` or ``-"phrase"``
excludes; ``OR`` and parentheses; ``title:``, ``body:``, ``category:``,
``source:``, ``author:`` scope a term or phrase. Anything that does not fit —
an unbalanced quote or parenthesis, a stray operator, a lone ``-``, an unknown
field, emoji, control characters — is read as plain words, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.schema import KEYED_COLUMNS

KEYWORD_SCOPES = tuple(KEYED_COLUMNS)  # matched as whole values or names, never loosened
SCOPES = ("title", "body", *KEYWORD_SCOPES)
TOKEN = re.compile(
    r"(?P<lparen>\()|(?P<rparen>\))"
    r'|(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?"(?P<phrase>[^"]*)"'
    r'|(?P<word>[^\s()"]+)'
    r'|(?P<quote>")'
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Word:
    text: str
    field: str | None = None
    phrase: bool = False


@dataclass
class Not:
    node: SyntaxNode


@dataclass
class Group:
    op: str  # "and" | "or"
    children: list[SyntaxNode] = field(default_factory=list)


SyntaxNode = Word | Not | Group


def _lex(text: str) -> list[tuple[str, Word | None]]:
    """Tokens for the parser, (kind, the word for "term" and "neg" else None);
    a stray quote starts no phrase."""
    tokens: list[tuple[str, Word | None]] = []
    for m in TOKEN.finditer(CONTROL.sub(" ", text)):
        if m["lparen"]:
            tokens.append(("(", None))
        elif m["rparen"]:
            tokens.append((")", None))
        elif m["phrase"] is not None:
            scope = (m["field"] or "").lower()
            if m["field"] and scope not in SCOPES:
                word = Word(f"{m['field']} {m['phrase']}", None, True)
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


def word_count(text: str) -> int:
    """How many words a query asks for (phrase words each count; operators do not)."""
    return sum(len(w.text.split()) for _, w in _lex(text) if w is not None)


def without_quotes(text: str) -> str | None:
    """The query with its quoted phrases' words loose (``title:"a b"`` becomes
    ``title:a title:b``), or None if it has no phrase to loosen: what to offer
    when exact phrases match few articles, as a search engine does. Excluded
    phrases stay quoted (loosening them would exclude more), as do phrases in
    the keyword fields (category, source, author), matched as whole values or names."""
    changed = False

    def loosen(m: re.Match[str]) -> str:
        nonlocal changed
        scope = (m["field"] or "").lower()
        if m["phrase"] is None or m["neg"] or scope in KEYWORD_SCOPES or not m["phrase"].split():
            return m[0]
        changed = True
        if scope in SCOPES:
            return " ".join(f"{m['field']}:{word}" for word in m["phrase"].split())
        return " ".join([m["field"]] * bool(m["field"]) + m["phrase"].split())  # an unknown field is a word

    loose = TOKEN.sub(loosen, CONTROL.sub(" ", text))
    return loose if changed else None


MAX_DEPTH = 16  # deeper parentheses are read as plain grouping-free text


class _Parser:
    def __init__(self, tokens: list[tuple[str, Word | None]]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def parse(self) -> Group:
        parts = [self.or_expr()]
        while self.i < len(self.tokens):  # an unmatched ")" is skipped
            self.i += 1
            parts.append(self.or_expr())
        parts = [p for p in parts if p.children]
        return (
            parts[0] if len(parts) == 1 else Group("and", list(parts))
        )  # list(): a list[SyntaxNode], as list[Group] is not

    def or_expr(self) -> Group:
        branches = [self.and_expr()]
        while self.peek() == "or":
            self.i += 1
            branches.append(self.and_expr())
        branches = [b for b in branches if b.children]
        if len(branches) == 1:
            return branches[0]
        return Group("or", list(branches))

    def and_expr(self) -> Group:
        group = Group("and")
        while True:
            kind = self.peek()
            if kind is None or kind in (")", "or"):
                return group
            self.i += 1
            value = self.tokens[self.i - 1][1]
            if value is not None:  # "term" or "neg": only they carry a word
                group.children.append(Not(value) if kind == "neg" else value)
            elif kind == "(":
                if self.depth >= MAX_DEPTH:  # bounded recursion: ignore the parenthesis
                    continue
                self.depth += 1
                inner = self.or_expr()
                self.depth -= 1
                if self.peek() == ")":
                    self.i += 1
                if inner.children:
                    group.children.append(inner)


def parse_user_query(text: str) -> Group:
    """The query's syntax tree (never raises)."""
    return _Parser(_lex(text)).parse()

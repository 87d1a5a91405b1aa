"""Articles as OpenSearch documents whose text fields are pre-analysed.

Berita's Indonesian analysis (:mod:`index.analysis`) runs here, in Python,
with the very analyzers the Whoosh schema uses; OpenSearch receives each
field as its token stream and only splits it again (:mod:`.mapping`). A
stream is one entry per position, separated by spaces: the tokens that share
a position (a hyphenated word and its first part: *pro-kontra* and *pro*)
are joined by ``|`` and split again at that position by a ``pattern_capture``
filter; a position without a token (a stopword an evaluation analysis drops)
is ``_``, which a ``stop`` filter removes leaving its position free; a space
inside a token travels as a private-use character. So the cluster indexes
the same terms at the same positions as Whoosh does.
"""

from __future__ import annotations

from collections.abc import Iterable

from whoosh.analysis import CompositeAnalyzer

from ..acronyms import candidates as acronym_candidates
from ..analysis import SHIPPED, Analysis, is_vocabulary_word
from ..dates import to_utc_naive
from ..model import Article, normalise_key

STACK = "|"  # joins the tokens at one position
GAP = "_"  # stands for a position without a token
# A space inside one token (folding makes "ﷺ" four Arabic words in one token)
# travels as this private-use character, made a space again by the cluster.
SPACE = "\ue000"
# The analysed twins: OpenSearch field -> (which analysis, the article's text).
STEMMED_FIELDS = ("title", "body")
EXACT_FIELDS = ("title_exact", "body_exact", "author")
ACRONYM_SEPARATOR = "\t"  # between an acronym and its long form in the ``acronyms`` keyword
TITLE_WORDS = "title_words"  # keyword: the distinct terms of the title's exact twin


def token_positions(analyzer: CompositeAnalyzer, text: str) -> list[list[str]]:
    """The terms ``analyzer`` indexes from ``text``, grouped by position
    (index mode, as a Whoosh writer calls it); an empty group is a gap."""
    by_position: dict[int, list[str]] = {}
    for token in analyzer(text, positions=True, mode="index"):
        by_position.setdefault(token.pos, []).append(token.text)
    if not by_position:
        return []
    return [by_position.get(p, []) for p in range(max(by_position) + 1)]


def headline_terms(exact: CompositeAnalyzer, title: str) -> list[str]:
    """The distinct words a title adds to the headline vocabulary: the terms
    the exact analysis indexes in ``title_exact`` that are vocabulary words
    (what :mod:`search.features.suggest` completes from on a Whoosh index)."""
    return sorted({term for group in token_positions(exact, title) for term in group if is_vocabulary_word(term)})


def token_stream(groups: Iterable[list[str]]) -> str:
    """Positions as the cluster's ``berita_tokens`` analyzer reads them back."""
    return " ".join(STACK.join(_one_word(t) for t in group) if group else GAP for group in groups)


def _one_word(token: str) -> str:
    return "".join(SPACE if c.isspace() else c for c in token) if not token.isalnum() else token


def analysed(analyzer: CompositeAnalyzer, text: str) -> str:
    return token_stream(token_positions(analyzer, text))


class DocumentMaker:
    """Turns articles into documents with one analysis (the index's)."""

    def __init__(self, analysis: Analysis = SHIPPED):
        self.stemmed = analysis.stemmed()
        self.exact = analysis.exact()

    def document(self, article: Article) -> dict:
        """The document for ``article``: its record as shown (``article``,
        kept in ``_source``), the filter keys, and the analysed twins (left
        out of ``_source``)."""
        doc: dict = {
            "id": article.id,
            "article": article.to_record(),
            "published": to_utc_naive(article.published).isoformat() + "Z",
            "published_has_time": article.published_has_time,
            "digest": article.digest,
            "title": analysed(self.stemmed, article.title),
            "body": analysed(self.stemmed, article.body),
            "title_exact": analysed(self.exact, article.title),
            TITLE_WORDS: headline_terms(self.exact, article.title),
            "body_exact": analysed(self.exact, article.body),
        }
        pairs = acronym_candidates(f"{article.title}\n{article.body}")
        if pairs:  # the acronyms it defines, as acronyms.sqlite records them beside a Whoosh index
            doc["acronyms"] = sorted(f"{a}{ACRONYM_SEPARATOR}{long}" for a, long in pairs)
        if article.category:
            doc["category"] = normalise_key(article.category)
            doc["category_label"] = article.category
        if article.source:
            doc["source"] = normalise_key(article.source)
            doc["source_label"] = article.source
        if article.author:
            doc["author"] = analysed(self.exact, article.author)
            doc["author_key"] = normalise_key(article.author)
            doc["author_label"] = article.author
        return doc

"""The index's settings and mappings: the analysers that read Berita's token
streams back (:mod:`.documents`), the analysed twins as Whoosh has them
(stemmed fields with frequencies, exact twins with positions), dates, keys
and the stored record."""

from __future__ import annotations

from ..analysis import STEM_RULES
from ..schema import KEYED_COLUMNS
from .documents import EXACT_FIELDS, GAP, SPACE, STACK, STEMMED_FIELDS, TITLE_WORDS

MAX_RESULT_WINDOW = 100_050  # as deep as a cursor or an export reaches (search.request.MAX_DEEP), plus a page
ANALYSED = ("title", "body", "title_exact", "body_exact", "author")
assert set(ANALYSED) == {*STEMMED_FIELDS, *EXACT_FIELDS}


def settings(shards: int = 1, replicas: int = 0) -> dict:
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "max_result_window": MAX_RESULT_WINDOW,
        "analysis": {
            "tokenizer": {"berita_positions": {"type": "whitespace", "max_token_length": 4096}},
            "filter": {
                "berita_stacked": {
                    "type": "pattern_capture",
                    "preserve_original": False,
                    "patterns": [f"([^{STACK}]+)"],
                },
                "berita_gaps": {"type": "stop", "stopwords": [GAP], "ignore_case": False},
                "berita_spaces": {"type": "pattern_replace", "pattern": SPACE, "replacement": " ", "all": True},
            },
            "analyzer": {
                # Documents: positions (spaces), tokens sharing one (|), gaps (_).
                "berita_tokens": {
                    "type": "custom",
                    "tokenizer": "berita_positions",
                    "filter": ["berita_stacked", "berita_gaps", "berita_spaces"],
                },
                # Queries: the compiler's terms, already analysed, one per space.
                "berita_terms": {"type": "custom", "tokenizer": "berita_positions"},
            },
        },
    }


# The documents' layout, kept in the mapping's ``_meta`` and in the index's
# name with the stem rules. 3 added ``ingested`` (when a writer sent the
# document: what alerts read "became visible since" by) and ``title_words``
# (the headline vocabulary autocomplete reads). An index of another layout is
# stale as one built with other stem rules is (writes refused, ``stats`` says
# STALE, ``berita index --rebuild`` moves the alias): a field only put into an
# old mapping would leave its older documents silently without it.
LAYOUT = 3

# Fields added after the first indexes were made: put into an older index's
# mapping when it is opened (adding a field is allowed; documents written
# before simply lack it).
ADDED = {"acronyms": {"type": "keyword"}}


def mappings() -> dict:
    def text(positions: bool) -> dict:
        return {
            "type": "text",
            "analyzer": "berita_tokens",
            "search_analyzer": "berita_terms",
            "index_options": "positions" if positions else "freqs",
            "norms": True,
        }

    keyword = {"type": "keyword"}
    return {
        "dynamic": "strict",
        "_meta": {"stem_rules": STEM_RULES, "berita": LAYOUT},
        # The analysed twins are made again from the record when needed
        # (related stories): the stored source keeps the record once.
        "_source": {"excludes": [*ANALYSED, TITLE_WORDS]},
        "properties": {
            "id": keyword,
            "article": {"type": "object", "enabled": False},
            "published": {"type": "date"},
            "published_has_time": {"type": "boolean"},
            "digest": keyword,
            "ingested": {"type": "date", "format": "epoch_millis"},
            **{field: text(False) for field in STEMMED_FIELDS},
            **{field: text(True) for field in EXACT_FIELDS},
            **{column: keyword for column in KEYED_COLUMNS.values()},
            "category_label": keyword,
            "source_label": keyword,
            "author_label": keyword,
            TITLE_WORDS: keyword,  # the headline vocabulary's words of this title (autocomplete)
            **ADDED,
        },
    }


def built_with(found: dict) -> tuple[str | None, int | None]:
    """(stem rules, document layout) an index was made with, from its
    ``get_mapping`` answer (its ``_meta``, as :func:`mappings` writes it)."""
    meta = next(iter(found.values()))["mappings"].get("_meta", {})
    return meta.get("stem_rules"), meta.get("berita")


def staleness(rules: str | None, layout: int | None) -> str | None:
    """Why an index built with these stem rules and this layout cannot be
    written to or fully read by this Berita (None: it can)."""
    if rules != STEM_RULES:
        return f"index built with stemming rules {rules} but this Berita stems with {STEM_RULES}: rebuild it"
    if layout != LAYOUT:
        return f"index built with document layout {layout} but this Berita writes layout {LAYOUT}: rebuild it"
    return None

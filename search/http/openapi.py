"""The OpenAPI 3.1 description of the HTTP API (served at /openapi.json)."""

from __future__ import annotations

from ..request import DEFAULT_HALF_LIFE_DAYS, INTERVALS, MAX_DEEP, MAX_QUERY_CHARS, MAX_SIZE, MAX_WINDOW, SORTS

DATE_PARAM = {
    "type": "string",
    "anyOf": [{"format": "date"}, {"format": "date-time"}],
    "description": "YYYY-MM-DD (a whole day in Asia/Jakarta) or an ISO 8601 datetime; inclusive.",
    "examples": ["2019-09-01", "2019-09-01T08:00:00+07:00"],
}


def _param(name: str, description: str, schema: dict, repeat: bool = False) -> dict:
    param = {"name": name, "in": "query", "required": False, "description": description}
    if repeat:
        param.update({"schema": {"type": "array", "items": schema}, "style": "form", "explode": True})
    else:
        param["schema"] = schema
    return param


def _search_filters(q_description: str) -> list[dict]:
    """q and the filters, as /api/search, the export and the feed take them."""
    return [
        _param("q", q_description, {"type": "string", "maxLength": MAX_QUERY_CHARS}),
        _param("from", "Earliest publication time.", DATE_PARAM),
        _param("to", "Latest publication time.", DATE_PARAM),
        _param("category", "Category (OR within, AND across keys); a section matches its subsections.",
               {"type": "string"}, repeat=True),
        _param("source", "Outlet (kompas matches Kompas.com).", {"type": "string"}, repeat=True),
        _param("author", "Author.", {"type": "string"}, repeat=True),
    ]


def openapi_document() -> dict:
    """The document, with the answers every operation can give added to each."""
    doc = _document()
    for item in doc["paths"].values():
        for operation in item.values():
            for status in ("414", "429"):
                operation["responses"].setdefault(status, {"$ref": "#/components/responses/Problem"})
    return doc


def _document() -> dict:
    problem = {"$ref": "#/components/responses/Problem"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Berita search API",
            "version": "0.1.0",
            "description": "Ranked, date-filtered full-text search over Indonesian news.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search articles",
                    "description": (
                        "Words are ANDed; \"exact phrase\"; -word excludes; OR and parentheses; "
                        "title:, body:, category:, source:, author: scope a term. Odd input is read as words. "
                        "An unknown parameter is a 400 naming it (and Berita's name for the Guardian's or the "
                        "NYT's, such as from-date or order-by). A source matches forgivingly (kompas = Kompas.com); "
                        "a source the index does not have is a 400 listing the known ones."
                    ),
                    "parameters": [
                        *_search_filters("The query. Empty: browse (sorted newest first)."),
                        _param("sort", "relevance (default with q), recent (relevance blended with freshness), "
                                       "newest (default without q), oldest.",
                               {"type": "string", "enum": ["", *SORTS],
                                "description": "Empty: the automatic choice (as when absent)."}),
                        _param("page", f"1-based page; only the first {MAX_WINDOW} results can be reached (use "
                                       "from/to to narrow a larger set). A page past the last one answers 200 with "
                                       "no results; pages says how many there are.",
                               {"type": "integer", "minimum": 1, "default": 1}),
                        _param("size", "Results per page.",
                               {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "default": 10}),
                        _param("now", "sort=recent: the moment ages are measured from "
                                      "(default: the newest article in the index).", DATE_PARAM),
                        _param("half_life", "sort=recent: days after which freshness counts half.",
                               {"type": "number", "exclusiveMinimum": 0, "default": DEFAULT_HALF_LIFE_DAYS}),
                        _param("collapse", "Fold near-identical stories from other outlets into one hit.",
                               {"type": "boolean", "default": True}),
                        _param("facets", "Counts over the whole matching set: true (category, source, author), "
                                         "false, or a comma-separated list of category, source, author, date. "
                                         "date is a histogram (facets.date) whose counts add up to total.",
                               {"type": "string", "default": "false",
                                "examples": ["true", "category,source,date", "date"]}),
                        _param("cursor", f"Instead of page: the cursor of the previous page, to go past the first "
                                         f"{MAX_WINDOW} results (up to {MAX_DEEP:,}). It holds the index generation: "
                                         "after a new commit it answers 410, search again. Cursor pages never fold "
                                         "near-duplicates.", {"type": "string"}),
                        _param("interval", "Bucket size of the date facet, in Asia/Jakarta days; auto chooses "
                                           "the finest with at most 60 buckets.",
                               {"type": "string", "enum": list(INTERVALS), "default": "auto"}),
                    ],
                    "responses": {
                        "200": {"description": "Results",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}}},
                        "400": problem,
                        "410": problem,
                    },
                }
            },
            "/api/search/export": {
                "get": {
                    "operationId": "exportSearch",
                    "summary": "The whole result set, streamed",
                    "description": "Every matching article (up to 100,000) in the requested order, as CSV (RFC 4180, "
                                   "UTF-8) or JSON Lines: id, published, source, category, author, title, url, score. "
                                   "Takes /api/search's parameters but page, size, facets, interval and collapse; no "
                                   "partial matches and no folding: the exact set.",
                    "parameters": [
                        _param("format", "csv or jsonl.", {"type": "string", "enum": ["csv", "jsonl"], "default": "csv"}),
                        _param("bom", "Start the CSV with a UTF-8 byte-order mark (for spreadsheets).",
                               {"type": "boolean", "default": False}),
                        _param("limit", "At most this many rows.",
                               {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 100_000}),
                        *_search_filters("The query."),
                        _param("sort", "As in /api/search.", {"type": "string", "enum": ["", *SORTS]}),
                    ],
                    "responses": {
                        "200": {"description": "The rows, as an attachment",
                                "content": {"text/csv": {"schema": {"type": "string"}},
                                            "application/x-ndjson": {"schema": {"type": "string"}}}},
                        "400": problem,
                    },
                }
            },
            "/api/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Autocomplete for a search box",
                    "description": "The query with its last word completed from the headline vocabulary (folded like "
                                   "the index), most frequent first; with words before it, ranked by the headlines "
                                   "holding them together (\"iuran b\" → \"iuran bpjs\").",
                    "parameters": [
                        _param("q", "What has been typed so far.", {"type": "string", "maxLength": MAX_QUERY_CHARS}),
                        _param("size", "Suggestions to return.", {"type": "integer", "minimum": 1, "maximum": 10,
                                                                  "default": 10}),
                    ],
                    "responses": {
                        "200": {"description": "Suggestions",
                                "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["query", "suggestions"],
                                    "properties": {"query": {"type": "string"},
                                                   "suggestions": {"type": "array", "items": {"type": "string"}}}}}}},
                        "400": problem,
                    },
                }
            },
            "/feed.atom": {
                "get": {
                    "operationId": "feed",
                    "summary": "A saved search as an Atom feed",
                    "description": "The 50 newest articles matching q and the filters (from, to, category, source, "
                                   "author, as in /api/search), as Atom 1.0: for alerts on a story.",
                    "parameters": [
                        *_search_filters("The query."),
                    ],
                    "responses": {
                        "200": {"description": "Atom 1.0", "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                        "400": problem,
                    },
                }
            },
            "/api/articles/{id}/related": {
                "get": {
                    "operationId": "relatedArticles",
                    "summary": "More like this article",
                    "description": "The article's distinctive words (tf-idf over title and body) searched for; "
                                   "the article itself is left out; other outlets' near-identical stories are "
                                   "listed apart in same_story. An id ending in /related cannot be asked for here.",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                        _param("size", "Related stories to list.",
                               {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "default": 5}),
                        _param("within_days", "Only stories published within this many days of the article.",
                               {"type": "integer", "minimum": 0, "maximum": 3650}),
                    ],
                    "responses": {
                        "200": {"description": "Related stories (the search envelope) and the same story elsewhere",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RelatedResponse"}}}},
                        "400": problem,
                        "404": problem,
                    },
                }
            },
            "/api/articles/{id}": {
                "get": {
                    "operationId": "getArticle",
                    "summary": "One stored article",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "The article",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Article"}}}},
                        "404": problem,
                    },
                },
                "put": {
                    "operationId": "putArticle",
                    "summary": "Publish or correct one article (the path id wins)",
                    "description": "The fields of a berita index JSON Lines record. Answered after the commit: "
                                   "201 when added, 200 when updated or unchanged; searchable within a second.",
                    "security": [{"writeKey": []}],
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {
                        "200": {"description": "Updated or unchanged",
                                "content": {"application/json": {"schema": {"type": "object"}}}},
                        "201": {"description": "Added", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "400": problem, "401": problem, "413": problem, "503": problem,
                    },
                },
                "delete": {
                    "operationId": "deleteArticle",
                    "summary": "Take one article down",
                    "security": [{"writeKey": []}],
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "Deleted"}, "401": problem, "404": problem, "503": problem},
                },
            },
            "/api/articles": {
                "post": {
                    "operationId": "bulkArticles",
                    "summary": "Publish many articles (JSON Lines or a JSON array, up to 10,000 and 16 MiB)",
                    "description": "Answered record by record after one commit: added, updated, unchanged, or failed "
                                   "with the reason and line; one bad record never blocks the others.",
                    "security": [{"writeKey": []}],
                    "requestBody": {"required": True, "content": {
                        "application/x-ndjson": {"schema": {"type": "string"}},
                        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}},
                    "responses": {
                        "200": {"description": "Per record", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "400": problem, "401": problem, "413": problem, "503": problem,
                    },
                }
            },
            "/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Index and searcher state",
                    "responses": {
                        "200": {"description": "Healthy",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}},
                }
            },
        },
        "components": {
            "responses": {
                "Problem": {
                    "description": "Invalid request or missing resource (RFC 9457 problem details).",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
            },
            "securitySchemes": {"writeKey": {"type": "http", "scheme": "bearer",
                                             "description": "A key from 'berita keys add NAME'."}},
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "param": {"type": "string", "description": "The offending parameter."},
                    },
                },
                "Hit": {
                    "type": "object",
                    "required": ["id", "url", "title", "title_html", "snippet", "published", "category",
                                 "source", "author", "score"],
                    "properties": {
                        "id": {"type": "string"},
                        "url": {"type": ["string", "null"]},
                        "title": {"type": "string"},
                        "title_html": {"type": "string", "description": "HTML-escaped, matches in <mark>."},
                        "snippet": {"type": "string", "description": "~200 characters as HTML: escaped text with the "
                                    "matching words in <mark> (insert it as HTML, not as text)."},
                        "snippet_text": {"type": "string", "description": "The same passage as plain text."},
                        "published": {"type": "string", "format": "date-time"},
                        "published_has_time": {"type": "boolean"},
                        "category": {"type": ["string", "null"]},
                        "source": {"type": ["string", "null"]},
                        "author": {"type": ["string", "null"]},
                        "score": {"type": ["number", "null"], "description": "null when sorted by date."},
                        "duplicates": {"type": "array", "items": {"type": "string"},
                                       "description": "Ids of near-identical stories folded into this hit."},
                        "missing_word": {"type": ["string", "null"],
                                         "description": "A partial match: the query word this article lacks."},
                    },
                },
                "RelatedResponse": {
                    "allOf": [{"$ref": "#/components/schemas/SearchResponse"}],
                    "type": "object",
                    "required": ["same_story"],
                    "properties": {"same_story": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}},
                },
                "DateBucket": {
                    "type": "object",
                    "required": ["from", "to", "count"],
                    "properties": {"from": {"type": "string", "format": "date", "description": "First day (inclusive)."},
                                   "to": {"type": "string", "format": "date", "description": "Last day (inclusive)."},
                                   "count": {"type": "integer"}},
                },
                "Facet": {
                    "type": "object",
                    "required": ["key", "label", "count"],
                    "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                                   "count": {"type": "integer"}},
                },
                "SearchResponse": {
                    "type": "object",
                    "required": ["query", "total", "total_is_estimate", "page", "size", "pages", "sort",
                                 "took_ms", "timed_out", "partial_matches", "suggestion", "results"],
                    "properties": {
                        "query": {"type": "string"},
                        "total": {"type": "integer"},
                        "total_is_estimate": {"type": "boolean", "description": "False: totals are exact counts."},
                        "page": {"type": "integer"},
                        "size": {"type": "integer"},
                        "pages": {"type": "integer"},
                        "sort": {"type": "string", "enum": list(SORTS)},
                        "took_ms": {"type": "number"},
                        "timed_out": {"type": "boolean",
                                      "description": "True: the time budget ran out and the results are partial "
                                                     "(phrase checks or the proximity ranking were cut short)."},
                        "cursor": {"type": ["string", "null"],
                                   "description": "With collapse=false (or on a cursor page): pass as cursor to get the "
                                                  "next page; null on the last one."},
                        "suggestion": {"type": ["string", "null"],
                                       "description": "Fewer than 5 results: the query with likely typos corrected "
                                                      "(the page's \"Apakah maksud Anda\"), or null."},
                        "date_interval": {"type": "string", "enum": [i for i in INTERVALS if i != "auto"],
                                          "description": "With facets=date: the interval its buckets use."},
                        "partial_matches": {
                            "type": "object",
                            "required": ["total", "missing_words"],
                            "description": "Articles that lack one of the query's plain words, listed after every "
                                           "article that has them all (included in total): added when full matches "
                                           "are fewer than 20 or the query has 3+ words. Quoted phrases, -words and "
                                           "scoped terms stay required.",
                            "properties": {"total": {"type": "integer"},
                                           "missing_words": {"type": "array", "items": {"type": "string"}}},
                        },
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                        "facets": {
                            "type": "object",
                            "properties": {
                                "category": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}},
                                "source": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}},
                                "author": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}},
                                "date": {"type": "array", "items": {"$ref": "#/components/schemas/DateBucket"}},
                            },
                        },
                    },
                },
                "Article": {
                    "type": "object",
                    "required": ["id", "title", "body", "published"],
                    "properties": {
                        "id": {"type": "string"},
                        "url": {"type": ["string", "null"]},
                        "title": {"type": "string"},
                        "body": {"type": "string"},
                        "published": {"type": "string", "format": "date-time"},
                        "published_has_time": {"type": "boolean"},
                        "category": {"type": ["string", "null"]},
                        "source": {"type": ["string", "null"]},
                        "author": {"type": ["string", "null"]},
                    },
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "documents", "generation", "warnings"],
                    "properties": {
                        "status": {"type": "string"},
                        "pid": {"type": "integer", "description": "The worker process that answered."},
                        "documents": {"type": "integer"},
                        "generation": {"type": "integer"},
                        "last_commit": {"type": ["string", "null"], "format": "date-time"},
                        "searcher_opened": {"type": "string", "format": "date-time"},
                        "stem_rules": {"type": ["string", "null"],
                                       "description": "Fingerprint of the stemming rules the index was built with"},
                        "caches": {"type": "object", "description": "This worker's caches: term postings "
                                   "(bytes held and their bound) and results (entries held and their bound)."},
                        "warnings": {"type": "array", "items": {"type": "string"},
                                     "description": "E.g. an index built with other stemming rules than the "
                                                    "server's: queries may miss until it is rebuilt"},
                    },
                },
            },
        },
    }

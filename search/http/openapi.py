"""The OpenAPI 3.1 description of the HTTP API (served at /openapi.json).

Parameters and answer schemas are read from the models in
:mod:`search.http.models`; this module adds only what belongs to an
operation (its path, summary, description and status codes)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from index.readers import MAX_RECORD_BYTES

from ..engine import EXPORT_LIMIT
from ..features.export import COLUMNS
from .feeds import FEED_SIZE
from .limits import MAX_BODY
from .models import (
    ANSWERS,
    AlertIn,
    ArticleIn,
    ExportParams,
    FilterParams,
    Params,
    RelatedParams,
    SearchParams,
    SuggestParams,
    WriteParams,
)
from .writes import JSON_LINES_TYPES, MAX_BULK_RECORDS

REF = "#/components/schemas/{model}"


def parameters(model: type[Params]) -> list[dict[str, Any]]:
    """The query parameters of one operation, from its model's JSON Schema."""
    properties = model.model_json_schema(by_alias=True, ref_template=REF)["properties"]
    out = []
    for name in model.names():
        schema = {k: v for k, v in properties[name].items() if k not in ("title", "description")}
        if schema.get("default", 0) is None:
            del schema["default"]
        options = [o for o in schema.pop("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1:
            schema.update(options[0])
        elif options:
            schema["anyOf"] = options
        param = {
            "name": name,
            "in": "query",
            "required": False,
            "description": properties[name].get("description", ""),
            "schema": schema,
        }
        if schema.get("type") == "array":
            param.update({"style": "form", "explode": True})
        out.append(param)
    return out


def answer_schemas() -> dict[str, Any]:
    """Every answer's JSON Schema (and the shapes they hold), by name; and the bodies taken."""
    _, top = models_json_schema([(m, "serialization") for m in ANSWERS], ref_template=REF)
    alert_in = AlertIn.model_json_schema(by_alias=True, ref_template=REF)
    shapes = alert_in.pop("$defs", {})
    patch = {
        **{k: v for k, v in alert_in.items() if k != "required"},
        "title": "AlertPatch",
        "description": "The keys of an alert to change (a webhook's url and secret one by one).",
    }
    return {
        **top["$defs"],
        "ArticleIn": ArticleIn.model_json_schema(ref_template=REF),
        **shapes,
        "AlertIn": alert_in,
        "AlertPatch": patch,
    }


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(model=model)}}}


def alert_paths(problem: dict) -> dict[str, Any]:
    """The alerts API (:mod:`search.http.alerts`)."""
    key: list[dict[str, list]] = [{"writeKey": []}]
    alert_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    answers = {"400": problem, "401": problem, "413": problem, "415": problem}
    return {
        "/api/alerts": {
            "post": {
                "operationId": "createAlert",
                "summary": "Save a search as an alert",
                "description": "From the next commit on, each new or changed article a search of q and the filters "
                "(sorted by date, as typed) would list is POSTed to the webhook as JSON (alert, delivery_id, "
                "articles with id, title, url, published, source, highlight), signed "
                "X-Berita-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>; X-Berita-Delivery "
                "carries the delivery id, the idempotency id of at-least-once delivery. Another outlet's "
                "near-duplicate of an article already delivered joins that delivery (also_reported); a changed "
                "article is delivered again only with updates; digest_minutes collects matches for N minutes. "
                "Each key sees only its own alerts.",
                "security": key,
                "requestBody": {"required": True, "content": _json("AlertIn")},
                "responses": {"201": {"description": "Saved", "content": _json("AlertOut")}, **answers},
            },
            "get": {
                "operationId": "listAlerts",
                "summary": "This key's alerts",
                "security": key,
                "responses": {"200": {"description": "The alerts", "content": _json("AlertList")}, "401": problem},
            },
        },
        "/api/alerts/{id}": {
            "get": {
                "operationId": "getAlert",
                "summary": "One alert",
                "security": key,
                "parameters": [alert_id],
                "responses": {
                    "200": {"description": "The alert", "content": _json("AlertOut")},
                    "401": problem,
                    "404": problem,
                },
            },
            "put": {
                "operationId": "replaceAlert",
                "summary": "Replace an alert",
                "security": key,
                "parameters": [alert_id],
                "requestBody": {"required": True, "content": _json("AlertIn")},
                "responses": {
                    "200": {"description": "Stored", "content": _json("AlertOut")},
                    **answers,
                    "404": problem,
                },
            },
            "patch": {
                "operationId": "changeAlert",
                "summary": "Change some of an alert's keys",
                "security": key,
                "parameters": [alert_id],
                "requestBody": {"required": True, "content": _json("AlertPatch")},
                "responses": {
                    "200": {"description": "Stored", "content": _json("AlertOut")},
                    **answers,
                    "404": problem,
                },
            },
            "delete": {
                "operationId": "deleteAlert",
                "summary": "Delete an alert (and its deliveries not yet sent)",
                "security": key,
                "parameters": [alert_id],
                "responses": {"204": {"description": "Deleted"}, "401": problem, "404": problem},
            },
        },
        "/api/alerts/{id}/deliveries": {
            "get": {
                "operationId": "alertDeliveries",
                "summary": "An alert's delivery log, newest first",
                "security": key,
                "parameters": [alert_id],
                "responses": {
                    "200": {"description": "The log", "content": _json("DeliveryLog")},
                    "401": problem,
                    "404": problem,
                },
            }
        },
        "/api/alerts/{id}/feed.atom": {
            "get": {
                "operationId": "alertFeed",
                "summary": "An alert's saved search as an Atom feed",
                "description": f"The {FEED_SIZE} newest articles the alert's search lists. The URL (the alert's "
                "feed) carries a token instead of a key, for feed readers.",
                "parameters": [
                    alert_id,
                    {"name": "token", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "Atom 1.0",
                        "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                    },
                    "404": problem,
                },
            }
        },
    }


@cache
def openapi_document() -> dict:
    """The document, with the answers every operation can give added to each.
    Made once (it takes ~5 ms and never changes while the process runs):
    callers share it and must not modify it."""
    doc = _document()
    # An article's own id may end in /related: writing it uses the related
    # path's URL, so that path takes the article's PUT and DELETE as well.
    article, related = doc["paths"]["/api/articles/{id}"], doc["paths"]["/api/articles/{id}/related"]
    for method in ("put", "delete"):
        related[method] = {
            **article[method],
            "operationId": article[method]["operationId"] + "EndingInRelated",
            "summary": article[method]["summary"] + ", for an id that ends in /related",
        }
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
                        'Words are ANDed; "exact phrase"; -word excludes; OR and parentheses; '
                        "title:, body:, category:, source:, author: scope a term. Odd input is read as words. "
                        "An unknown parameter is a 400 naming it (and Berita's name for the Guardian's or the "
                        "NYT's, such as from-date or order-by). A source matches forgivingly (kompas = Kompas.com); "
                        "a source the index does not have is a 400 listing the known ones."
                    ),
                    "parameters": parameters(SearchParams),
                    "responses": {
                        "200": {
                            "description": "Results",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="SearchResponse")}}},
                        },
                        "400": problem,
                        "410": problem,
                    },
                }
            },
            "/api/search/export": {
                "get": {
                    "operationId": "exportSearch",
                    "summary": "The whole result set, streamed",
                    "description": f"Every matching article (up to {EXPORT_LIMIT:,}) in the requested order, "
                    f"as CSV (RFC 4180, UTF-8) or JSON Lines: {', '.join(COLUMNS)}. "
                    "Takes /api/search's parameters but page, size, facets, interval, collapse and cursor; no "
                    "partial matches and no folding: the exact set.",
                    "parameters": parameters(ExportParams),
                    "responses": {
                        "200": {
                            "description": "The rows, as an attachment",
                            "content": {
                                "text/csv": {"schema": {"type": "string"}},
                                "application/x-ndjson": {"schema": {"type": "string"}},
                            },
                        },
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
                    'holding them together ("iuran b" → "iuran bpjs").',
                    "parameters": parameters(SuggestParams),
                    "responses": {
                        "200": {
                            "description": "Suggestions",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="Suggestions")}}},
                        },
                        "400": problem,
                    },
                }
            },
            "/feed.atom": {
                "get": {
                    "operationId": "feed",
                    "summary": "A saved search as an Atom feed",
                    "description": f"The {FEED_SIZE} newest articles matching q and the filters "
                    "(from, to, category, source, author, as in /api/search), as Atom 1.0: for alerts on a story.",
                    "parameters": parameters(FilterParams),
                    "responses": {
                        "200": {
                            "description": "Atom 1.0",
                            "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                        },
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
                    "listed apart in same_story. When an article's own id ends in /related, this path reads "
                    "that article instead.",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                        *parameters(RelatedParams),
                    ],
                    "responses": {
                        "200": {
                            "description": "Related stories (the search envelope) and the same story elsewhere",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="RelatedResponse")}}},
                        },
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
                        "200": {
                            "description": "The article",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="Article")}}},
                        },
                        "404": problem,
                    },
                },
                "put": {
                    "operationId": "putArticle",
                    "summary": "Publish or correct one article (the path id wins)",
                    "description": "The fields of a berita index JSON Lines record (at most "
                    f"{MAX_RECORD_BYTES // 2**20} MiB). Answered after the commit: 201 when added, 200 when "
                    "updated or unchanged; this worker answers from the commit at once, every worker within a "
                    "second (refresh=wait_for: before the answer). Keys that are no article field are not stored "
                    "and listed as ignored_fields.",
                    "security": [{"writeKey": []}],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
                        *parameters(WriteParams),
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": REF.format(model="ArticleIn")}}},
                    },
                    "responses": {
                        "200": {
                            "description": "Updated or unchanged",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="Written")}}},
                        },
                        "201": {
                            "description": "Added",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="Written")}}},
                        },
                        "400": problem,
                        "401": problem,
                        "413": problem,
                        "415": problem,
                        "503": problem,
                        "507": problem,
                    },
                },
                "delete": {
                    "operationId": "deleteArticle",
                    "summary": "Take one article down",
                    "security": [{"writeKey": []}],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
                        *parameters(WriteParams),
                    ],
                    "responses": {
                        "204": {"description": "Deleted"},
                        "400": problem,
                        "401": problem,
                        "404": problem,
                        "503": problem,
                        "507": problem,
                    },
                },
            },
            "/api/articles": {
                "post": {
                    "operationId": "bulkArticles",
                    "summary": "Publish many articles (JSON Lines or a JSON array, "
                    f"up to {MAX_BULK_RECORDS:,} articles and {MAX_BODY // 2**20} MiB)",
                    "description": "Answered record by record after one commit: added, updated, unchanged, "
                    "superseded (a later record of this request has the same id), or failed with the reason and "
                    "line; one bad record never blocks the others, and errors says whether any failed. Each "
                    f"record is at most {MAX_RECORD_BYTES // 2**20} MiB. JSON Lines as "
                    f"{', '.join(JSON_LINES_TYPES)}.",
                    "security": [{"writeKey": []}],
                    "parameters": parameters(WriteParams),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-ndjson": {  # one record per line: the array's items
                                "schema": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": MAX_BULK_RECORDS,
                                    "items": {"$ref": REF.format(model="ArticleIn")},
                                }
                            },
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": MAX_BULK_RECORDS,
                                    "items": {"$ref": REF.format(model="ArticleIn")},
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Per record",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="BulkOutcome")}}},
                        },
                        "400": problem,
                        "401": problem,
                        "413": problem,
                        "415": problem,
                        "503": problem,
                        "507": problem,
                    },
                }
            },
            **alert_paths(problem),
            "/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Index and searcher state",
                    "responses": {
                        "200": {
                            "description": "Healthy",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="Health")}}},
                        }
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "responses": {
                "Problem": {
                    "description": "Invalid request or missing resource (RFC 9457 problem details).",
                    "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
                }
            },
            "securitySchemes": {
                "writeKey": {"type": "http", "scheme": "bearer", "description": "A key from 'berita keys add NAME'."}
            },
            "schemas": answer_schemas(),
        },
    }


def dumps() -> str:
    """The document as committed in docs/openapi.json (the tests diff the served one against it)."""
    import json

    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m search.http.openapi > docs/openapi.json
    import sys

    sys.stdout.write(dumps())

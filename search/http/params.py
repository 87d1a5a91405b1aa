"""What the parameter models (:mod:`search.http.models`) read values with,
the names other APIs use for Berita's parameters, and cursors.

A bare date means a whole day in Asia/Jakarta: as ``from`` it starts at 00:00
WIB, as ``to`` it ends at 23:59:59.999999 WIB, so both ends are inclusive.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping

from ..request import KEYED_FACETS, InvalidRequest

# What people bring from the Guardian's Content API, the NYT's Article Search and
# Elasticsearch, with the name Berita uses for each.
FOREIGN_NAMES = {
    "from-date": "from",
    "to-date": "to",
    "order-by": "sort",
    "page-size": "size",
    "begin_date": "from",
    "end_date": "to",
    "query": "q",
    "sort_by": "sort",
    "orderby": "sort",
    "per_page": "size",
    "limit": "size",
    "offset": "page",
    "start": "page",
    "date_from": "from",
    "date_to": "to",
    "section": "category",
    "tag": "category",
    "fq": "q",
    "rows": "size",
}


# Parameters an operation does not take but another one does: where to go instead.
ELSEWHERE = {
    "format": "CSV and JSON Lines are the export's: /api/search/export?format=csv (or jsonl) with the same "
    "search parameters",
    "bom": "the byte-order mark is the export's: /api/search/export?format=csv&bom=true",
}


def parse_facets(text: str | None) -> frozenset[str]:
    """``true`` (category, source, author), ``false``, or a list such as
    ``category,source,date``; unknown kinds are left to validation to name."""
    if text is None or text == "":
        return frozenset()
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return KEYED_FACETS
    if lowered in ("0", "false", "no", "off"):
        return frozenset()
    return frozenset(k.strip() for k in lowered.split(",") if k.strip())


def request_digest(params: Mapping[str, object], identity_names: tuple[str, ...]) -> str:
    """What a cursor belongs to: the parameters that decide the ranking
    (``identity_names``: the filters and the order)."""
    identity = [
        (k, sorted(v) if isinstance(v, list) else [v]) for k, v in sorted(params.items()) if k in identity_names
    ]
    return hashlib.sha1(json.dumps(identity, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]


def encode_cursor(generation: int, start: int, digest: str) -> str:
    """An opaque token for "the results after the first ``start``, as ranked by
    index generation ``generation``" (Elasticsearch's search_after, by position)."""
    raw = json.dumps([generation, start, digest]).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(text: str, digest: str) -> tuple[int, int]:
    """(generation, start) from a cursor of this same search."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        generation, start, made_for = json.loads(raw)
        if not (isinstance(generation, int) and isinstance(start, int) and isinstance(made_for, str)):
            raise ValueError
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidRequest(
            "cursor", "cursor is not one this service gave out; use the cursor from the last page"
        ) from None
    if made_for != digest:
        raise InvalidRequest(
            "cursor", "this cursor belongs to another search (q, filters or sort changed); search again"
        )
    return generation, start

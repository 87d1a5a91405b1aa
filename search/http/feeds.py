"""Atom feeds of saved searches: what editors subscribe to for alerts.

``/feed.atom?q=…`` takes the search parameters of /api/search and lists the 50
newest matching articles as Atom 1.0 (feedgen writes it): each entry links to
the article's own http(s) URL or its page here, with the snippet as a plain
text summary.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from babel.dates import format_date
from feedgen.feed import FeedGenerator

from index.dates import WIB
from index.readers import web_link

from ..features.highlight import plain_text
from ..request import SearchRequest
from ..results import SearchResult
from .links import article_page

FEED_SIZE = 50
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry (control characters)."""
    return NOT_XML.sub("", text)


def describe_search(request: SearchRequest) -> str:
    """What a saved search holds, in Indonesian: “banjir” · kategori nasional ·
    sumber kompas.com · 1 September 2019 – 30 September 2019."""
    parts = [f"“{request.q.strip() or 'semua berita'}”"]
    for name, values in (("kategori", request.categories), ("sumber", request.sources), ("penulis", request.authors)):
        if values:
            parts.append(f"{name} {', '.join(values)}")
    first, last = (
        format_date(moment.astimezone(WIB).date(), "d MMMM y", locale="id") if moment else None
        for moment in (request.date_from, request.date_to)
    )
    if first or last:
        parts.append(f"{first} – {last}" if first and last else f"sejak {first}" if first else f"sampai {last}")
    return " · ".join(parts)


def atom_feed(
    result: SearchResult, self_url: str, base_url: str, description: str, page_url: str | None = None
) -> bytes:
    """The feed; ``page_url``: the results page it stands for (default: /cari
    with the feed's own query string)."""
    feed = FeedGenerator()
    self_url = xml_text(self_url)
    feed.id(self_url)
    description = xml_text(description)
    feed.title(f"Berita: {description}")
    feed.subtitle(f"Berita terbaru untuk {description}")
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    if page_url is None:
        page_url = base_url + "/cari?" + self_url.split("?", 1)[1] if "?" in self_url else base_url + "/cari"
    feed.link(href=xml_text(page_url), rel="alternate", type="text/html")
    feed.language("id")
    newest = max((h.published for h in result.hits), default=datetime(2000, 1, 1, tzinfo=UTC))
    feed.updated(newest)
    for hit in reversed(result.hits):  # feedgen prepends: add oldest first so the newest comes first
        entry = feed.add_entry()
        own_page = base_url + article_page(hit.id)
        entry.id(own_page)
        entry.title(xml_text(hit.title))
        entry.link(href=web_link(hit.url) or own_page, rel="alternate")
        entry.published(hit.published)
        entry.updated(hit.published)
        entry.summary(xml_text(plain_text(hit.snippet)))
        if hit.author:
            entry.author(name=xml_text(hit.author))
        if hit.category:
            entry.category(term=xml_text(hit.category))
    return feed.atom_str(pretty=True)

"""The article record every reader produces and the indexer and service share."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from .analysis import fold
from .dates import format_published

_SPACES = re.compile(r"\s+")


def normalise_key(label: str) -> str:
    """A filter/facet key for a category or source label.

    "News / Megapolitan" -> "news/megapolitan", "Sepak Bola" -> "sepak-bola",
    "SELEBRITI" -> "selebriti": case, accents and spacing no longer matter.
    """
    parts = [_SPACES.sub("-", fold(p).strip()) for p in label.split("/")]
    return "/".join(p for p in parts if p)


@dataclass(frozen=True)
class Article:
    """One news article as read from any input; ``published`` is timezone-aware.

    ``published_has_time`` is False for sources that give only a date: such an
    article is placed at 00:00 WIB of that day and shown as a bare date.
    """

    id: str
    title: str
    body: str
    published: datetime
    published_has_time: bool = True
    url: str | None = None
    category: str | None = None
    author: str | None = None
    source: str | None = None

    def to_record(self) -> dict:
        """The JSON Lines form (the keys of the corpus files)."""
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "published": format_published(self.published, self.published_has_time),
            "category": self.category,
            "author": self.author,
            "body": self.body,
            "source": self.source,
        }

    @cached_property
    def digest(self) -> str:
        """A content fingerprint: re-ingesting an unchanged article is a no-op."""
        payload = json.dumps(self.to_record(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


def derive_id(prefix: str, *parts: str) -> str:
    """A stable id for inputs that carry none (same article -> same id)."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"

"""Where things live on this service: the paths pages and feeds link to."""

from __future__ import annotations

from urllib.parse import quote


def article_page(article_id: str) -> str:
    """The path of an article's own page (``/artikel/{id}``)."""
    return "/artikel/" + quote(article_id, safe="")

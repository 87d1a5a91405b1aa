"""The portal's crawled article pages: header, date line, body, then page chrome.

A page looks like::

    Berita                      <- breadcrumb
    Ilustrasi/Net               <- photo credit (optional)
    Dunia                       <- category
    Kazakhstan Minta Warga ...  <- title
    SABTU, 01 JULI 2023 | 12:00 WIB | LAPORAN: HANI FATUNNISA
    body paragraphs ...
    Populer / UPDATE / Selengkapnya ... headlines and dates of *other* articles

Everything after the body is chrome about other articles and is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import DateError, parse_indonesian

DATE_LINE = re.compile(
    r"^(?P<when>(?:[A-Za-z']+,\s*)?\d{1,2}\s+[A-Za-z]+\.?\s+\d{4}"
    r"(?:\s*[|,]?\s*\d{1,2}[:.]\d{2}(?:\s*(?:WIB|WITA|WIT))?)?)"
    r"(?:\s*\|\s*(?:LAPORAN|REPORTER|PENULIS|OLEH)\s*:?\s*(?P<reporter>.*))?$",
    re.IGNORECASE,
)
# A sidebar entry's date: "Senin, 27 Januari 2025 | 02:16" (no zone, no reporter).
SIDEBAR_DATE = re.compile(r"^[A-Za-z']+,\s*\d{1,2}\s+[A-Za-z]+\s+\d{4}\s*\|\s*\d{1,2}[:.]\d{2}$")
CHROME_HEADINGS = frozenset(
    {
        "populer",
        "terpopuler",
        "update",
        "terkini",
        "berita terkini",
        "selengkapnya",
        "berita terkait",
        "artikel terkait",
        "baca juga",
        "lihat juga",
        "tag",
        "tags",
        "topik",
        "komentar",
        "berita lainnya",
        "rekomendasi",
        "pilihan redaksi",
        "share",
        "bagikan",
    }
)
INLINE_CHROME = re.compile(r"^(?:baca juga|lihat juga|simak juga|video)\s*:", re.IGNORECASE)
BREADCRUMBS = frozenset({"berita", "home", "beranda", "news"})
PHOTO_CREDIT = re.compile(
    r"^(?:ilustrasi|foto|dok|dokumentasi|istimewa|net)\b.*|.*/(?:net|ist|istimewa|rmol|dok)\.?$",
    re.IGNORECASE,
)


class PageError(ValueError):
    """A page without the parts an article needs; ``line`` is 1-based."""

    def __init__(self, message: str, line: int = 1, not_a_page: bool = False):
        super().__init__(message)
        self.line = line
        self.not_a_page = not_a_page  # nothing of a portal page at all (a README, notes)


@dataclass(frozen=True)
class ParsedPage:
    title: str
    body: str
    published_text: str
    category: str | None
    reporter: str | None


def _quote_open(paragraph: str, was_open: bool) -> bool:
    """Whether a quotation is still open after this paragraph (quotes may span
    paragraphs; a heading-like line inside a quote is prose, not chrome)."""
    straight = paragraph.count('"')
    curly = paragraph.count("\u201c") - paragraph.count("\u201d")
    flips = straight % 2 == 1 or curly != 0
    if curly > 0:
        return True
    if curly < 0:
        return False
    return (not was_open) if flips else was_open


def parse_page(text: str) -> ParsedPage:
    """Split a crawled page into its article parts, dropping sidebars and chrome."""
    lines = [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), 1)]
    lines = [(n, ln) for n, ln in lines if ln]
    if not lines:
        raise PageError("empty page", 1, not_a_page=True)
    date_at = next((i for i, (_, ln) in enumerate(lines) if DATE_LINE.match(ln)), None)
    if date_at is None:
        raise PageError("no date line (like 'SABTU, 01 JULI 2023 | 12:00 WIB') found", lines[0][0], not_a_page=True)
    if date_at == 0:
        raise PageError("no title before the date line", lines[0][0])
    date_no, date_line = lines[date_at]
    match = DATE_LINE.match(date_line)
    assert match is not None  # date_at is the line DATE_LINE matched
    try:
        parse_indonesian(match["when"])
    except DateError as exc:
        raise PageError(str(exc), date_no) from None

    header = [ln for _, ln in lines[:date_at]]
    title = header.pop()
    if header and header[0].lower() in BREADCRUMBS:
        header.pop(0)
    header = [ln for ln in header if not PHOTO_CREDIT.match(ln)]
    category = header[-1] if header else None

    body: list[str] = []
    in_quote = False
    rest = lines[date_at + 1 :]
    for i, (_, ln) in enumerate(rest):
        lowered = ln.lower().rstrip(":")
        if not in_quote:
            if lowered in CHROME_HEADINGS:
                break
            # A headline followed by a bare sidebar date is another article.
            if i + 1 < len(rest) and SIDEBAR_DATE.match(rest[i + 1][1]) or SIDEBAR_DATE.match(ln):
                break
            if INLINE_CHROME.match(ln):
                continue
        body.append(ln)
        in_quote = _quote_open(ln, in_quote)
    if not body:
        raise PageError("no body text after the date line", date_no)
    reporter = (match["reporter"] or "").strip() or None
    return ParsedPage(
        title=title,
        body="\n\n".join(body),
        published_text=match["when"],
        category=category,
        reporter=reporter.title() if reporter and reporter.isupper() else reporter,
    )

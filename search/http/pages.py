"""The reader-facing search page (``/`` and ``/cari``), rendered server-side.

Works without JavaScript: every choice is a GET parameter, so a search can be
shared and bookmarked. Everything from the index or the query is escaped by
Jinja2's autoescaping; only the highlighter's ``<mark>`` (already escaped
around it) is marked safe.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import falcon
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from index.dates import WIB
from index.model import normalise_key
from index.readers import web_link

from ..backend import Engine
from ..request import FACET_KINDS, InvalidRequest, SearchRequest
from .links import article_page
from .models import FilterParams, SearchParams
from .openapi import openapi_document
from .problems import serialize_problem

PAGE_SIZE = 10
FACET_KINDS_SET = frozenset(FACET_KINDS)  # the page shows every facet and the timeline
# The page speaks Indonesian; the API keeps its precise English problem details.
# Keyed by the InvalidRequest's reason where a parameter can be wrong in several ways, else its param.
MESSAGES_ID = {
    "from": "Tanggal “Dari” tidak dikenali. Gunakan tanggal seperti 2019-09-01.",
    "to": "Tanggal “Sampai” tidak dikenali. Gunakan tanggal seperti 2019-09-30.",
    "now": "Waktu acuan tidak dikenali. Gunakan tanggal seperti 2019-09-30.",
    "q": "Kata kunci terlalu panjang: paling banyak 500 huruf dan 32 kata.",
    "page": "Nomor halaman harus berupa angka bulat, 1 atau lebih.",
    "window": "Halaman itu tidak dapat dibuka: hanya 1.000 hasil pertama yang dapat dijelajahi. Persempit pencarian.",
    "after_to": "Tanggal “Dari” jatuh setelah tanggal “Sampai”: tukar keduanya atau pilih rentang lain.",
    "size": "Jumlah hasil per halaman tidak valid.",
    "category": "Kategori itu tidak ada di indeks.",
    "author": "Penulis itu tidak ada di indeks.",
    "facet_size": "Jumlah nilai saringan harus antara 1 dan 1.000.",
    "sort": "Urutan tidak dikenal.",
    "source": "Sumber berita itu tidak ada di indeks.",
    "half_life": "Waktu paruh harus berupa angka hari lebih dari nol.",
    "collapse": "Nilai “collapse” harus true atau false.",
    "facets": "Nilai “facets” harus true, false, atau daftar category, source, author, date.",
    "interval": "Interval tidak dikenal: gunakan day, week, month, year, atau auto.",
}
PRESETS = {  # URL value -> (label, span)
    "": ("Kapan saja", None),
    "24j": ("24 jam terakhir", timedelta(hours=24)),
    "7h": ("7 hari terakhir", timedelta(days=7)),
    "30h": ("30 hari terakhir", timedelta(days=30)),
    "1t": ("1 tahun terakhir", timedelta(days=365)),
}
SORT_LABELS = {"relevance": "Paling relevan", "recent": "Relevan & terkini", "newest": "Terbaru", "oldest": "Terlama"}
LOCALE = "id"


def number_id(value: float, decimals: int = 0) -> str:
    """Indonesian number format (Babel, CLDR): 1.234 and 0,02."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def date_id(moment: datetime, has_time: bool = True) -> str:
    """ "Sabtu, 1 Juli 2023 12.00 WIB" (the portal's zone; CLDR's Indonesian names)."""
    local = moment.astimezone(WIB)
    text = format_date(local.date(), "EEEE, d MMMM y", locale=LOCALE)
    return text + (f" {local:%H.%M} WIB" if has_time else "")


def relative_id(moment: datetime, now: datetime) -> str | None:
    """ "2 jam lalu" for articles from the last week; None for older ones."""
    seconds = (now - moment).total_seconds()
    if seconds < 0 or seconds > 7 * 86400:
        return None
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} menit lalu"
    if seconds < 86400:
        return f"{int(seconds // 3600)} jam lalu"
    return f"{int(seconds // 86400)} hari lalu"


def make_environment() -> Environment:
    env = Environment(loader=PackageLoader("search", "templates"), autoescape=select_autoescape(["html"]))
    env.filters.update(number_id=number_id, date_id=date_id, article_page=article_page)
    return env


class PageResource:
    """GET / and /cari: the search page."""

    def __init__(self, engine: Engine, env: Environment):
        self.engine = engine
        self.template = env.get_template("search.html")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        given = [(k, v) for k, vs in req.params.items() for v in (vs if isinstance(vs, list) else [vs])]
        kept = [(k, v) for k, v in given if v != ""]
        if len(kept) < len(given):
            # A form sent without JavaScript leaves "&rentang=&from=&to=&sort=": the same page, clean.
            raise falcon.HTTPSeeOther(req.path + ("?" + urlencode(kept) if kept else ""))
        params = {k: v for k, v in req.params.items()}
        preset = req.get_param("rentang") or ""
        if preset not in PRESETS:
            preset = ""
        reference = self._reference_now()
        error = None
        result = suggestion = None
        try:
            chosen = {k: v for k, v in req.params.items() if k not in ("size", "facets")}  # the page decides those
            chosen.setdefault("collapse", "true")  # readers see one story once, its other outlets linked under it
            request = SearchParams.parse(chosen, strict=False).to_request()
            span = PRESETS[preset][1]
            if span and not (request.date_from or request.date_to):
                request = replace(request, date_from=reference - span)
            request = replace(request, size=PAGE_SIZE, facets=FACET_KINDS_SET)
            result = self.engine.search(request)
            suggestion = result.suggestion
        except InvalidRequest as exc:
            error = MESSAGES_ID.get(exc.reason or exc.param) or MESSAGES_ID.get(
                exc.param, "Permintaan tidak valid: periksa kata kunci dan saringan."
            )
            resp.status = falcon.HTTP_400
            request = SearchRequest(q=req.get_param("q") or "")
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.template.render(
            q=request.q,
            params=params,
            result=result,
            error=error,
            suggestion=suggestion,
            presets=PRESETS,
            preset=preset,
            reference=reference,
            sort_labels=SORT_LABELS,
            sort=req.get_param("sort") or "",
            date_from=req.get_param("from") or "",
            date_to=req.get_param("to") or "",
            selected_categories=set(request.categories),
            selected_sources=set(request.sources),
            url=lambda **kw: _url(params, **kw),
            markup=Markup,
            now=datetime.now(UTC),
            relative=relative_id,
            page_numbers=_page_numbers,
            link=article_link,
            outlet=lambda hit: web_link(hit.url),
            merged=merged_facets,
            feed_url=feed_url(params),
            days=understood_days,
            timeline=timeline(result.histogram, lambda **kw: _url(params, **kw)) if result else None,
        )

    def _reference_now(self) -> datetime:
        """The newest article's time: presets stay meaningful over an archive."""
        return self.engine.newest_published() or datetime.now(WIB)


# Error pages for readers, by status: (title, what to tell them).
ERRORS_ID = {
    400: ("Permintaan tidak valid", "Alamat ini memuat nilai yang tidak dikenali. Periksa kata kunci dan saringan."),
    401: ("Perlu kunci akses", "Halaman ini hanya dapat dibuka dengan kunci akses."),
    404: ("Halaman tidak ditemukan", "Alamat itu tidak ada di Berita. Mungkin tautannya keliru."),
    405: ("Tidak dapat dibuka dengan cara ini", "Halaman ini hanya dapat dibuka dengan cara biasa (GET)."),
    413: ("Permintaan terlalu besar", "Permintaan ini terlalu besar untuk dijawab."),
    414: ("Alamat terlalu panjang", "Alamat ini terlalu panjang. Persingkat kata kunci atau saringannya."),
    429: ("Terlalu banyak permintaan", "Anda mengirim terlalu banyak permintaan dalam waktu singkat."),
    503: ("Indeks sedang sibuk", "Indeks sedang diperbarui. Coba lagi sebentar lagi."),
}
ERROR_ID = ("Terjadi kesalahan", "Server tidak dapat menjawab permintaan ini. Coba lagi nanti.")
# Reader URLs people guess: where the page they meant lives.
MEANT = {"/search": "/cari", "/pencarian": "/cari", "/find": "/cari"}
NOT_PAGES = ("/api/", "/api", "/health", "/openapi.json", "/feed.atom", "/static/", "/favicon.ico", "/robots.txt")
ROBOTS_TXT = "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /feed.atom\n"


def wants_page(req: falcon.Request) -> bool:
    """A reader's browser asking for a page (not the API, and HTML preferred
    over JSON): its errors are Indonesian HTML pages, everything else's problem+json."""
    if req.path.startswith(NOT_PAGES) or "text/html" not in (req.accept or ""):
        return False
    return req.client_prefers(("application/json", "application/problem+json", "text/html")) == "text/html"


def error_page(req: falcon.Request, status: int, retry_after: str | None = None) -> str:
    """An Indonesian HTML error page for a reader, with a search box."""
    title, message = ERRORS_ID.get(status, ERROR_ID)
    if retry_after:
        message += f" Coba lagi dalam {retry_after} detik."
    instead = MEANT.get(req.path)
    q = req.get_param("q") or ""
    if instead and req.query_string:
        instead += "?" + req.query_string
    return _error_template().render(title=title, message=message, instead=instead, q=q)


def serialize_error(req: falcon.Request, resp: falcon.Response, exc: falcon.HTTPError) -> None:
    """Every error's body: problem+json, or for a reader's browser on a page
    URL an Indonesian HTML page (same status and headers)."""
    if not wants_page(req):
        serialize_problem(req, resp, exc)
        return
    resp.content_type = falcon.MEDIA_HTML
    resp.text = error_page(req, exc.status_code, dict(exc.headers or ()).get("Retry-After"))


@cache
def _error_template():
    return make_environment().get_template("error.html")


class RobotsResource:
    """GET /robots.txt: pages may be crawled, the API and feeds not."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "text/plain; charset=utf-8"
        resp.text = ROBOTS_TXT


class FaviconResource:
    """GET /favicon.ico: browsers ask for it on every site."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "image/x-icon"
        resp.data = FAVICON.read_bytes()
        resp.cache_control = ["max-age=86400"]


STATIC = Path(__file__).resolve().parent.parent / "static"
FAVICON = STATIC / "favicon.ico"


def understood_days(understood) -> str:
    """The days date words in the query were read as, in Indonesian (``17 Agustus 2019``,
    ``1 September 2019 – 30 September 2019``, ``sejak 1 September 2019``)."""

    def day(value: date) -> str:
        return format_date(value, "d MMMM y", locale="id")

    lo, hi = understood.date_from, understood.date_to
    if lo and hi:
        return day(lo) if lo == hi else f"{day(lo)} – {day(hi)}"
    return f"sejak {day(lo)}" if lo else f"sampai {day(hi)}"


def _url(params: dict, toggle: tuple[str, str] | None = None, **changes) -> str:
    """This page's URL with some parameters changed (None removes one);
    ``toggle=(key, value)`` adds or removes one value of a repeatable key."""
    merged: dict[str, list[str]] = {k: (v if isinstance(v, list) else [v]) for k, v in params.items()}
    merged.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = [str(value)]
    if toggle:
        key, value = toggle
        group = value if isinstance(value, (list, tuple)) else [value]
        values = merged.get(key, [])
        if all(v in values for v in group):
            merged[key] = [v for v in values if v not in group]
        else:
            merged[key] = values + [v for v in group if v not in values]
    pairs = [(k, v) for k, vs in merged.items() for v in vs if v != ""]
    return "/cari?" + urlencode(pairs)


def _values(given: str | list[str] | None) -> list[str]:
    """A query parameter's values, however many were given."""
    return given if isinstance(given, list) else [given] if given else []


def feed_url(params: dict) -> str:
    """The Atom feed of this page's search (its words and filters, newest first)."""
    pairs = [(k, v) for k in FilterParams.names() for v in _values(params.get(k)) if v]
    return "/feed.atom" + ("?" + urlencode(pairs) if pairs else "")


def article_link(hit) -> str:
    """Where a result links: its original http(s) URL, else its article page.
    Any other scheme (javascript:, data:, vbscript:) never becomes a link."""
    return web_link(hit.url) or article_page(hit.id)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    href: str
    title: str


TIMELINE_WIDTH, TIMELINE_HEIGHT = 600.0, 100.0
PERIOD_ID = {"day": "hari", "week": "pekan", "month": "bulan", "year": "tahun"}


def bucket_label(bucket, interval: str) -> str:
    """ "16 September 2019", "16–22 September 2019", "September 2019", "2019"."""
    if interval == "day":
        return format_date(bucket.start, "d MMMM y", locale=LOCALE)
    if interval == "week":
        return (
            f"{format_date(bucket.start, 'd MMM', locale=LOCALE)}–{format_date(bucket.end, 'd MMM y', locale=LOCALE)}"
        )
    if interval == "month":
        return format_date(bucket.start, "MMMM y", locale=LOCALE)
    return str(bucket.start.year)


def timeline(histogram, url) -> dict | None:
    """Bars of the date histogram for an SVG chart, each a link narrowing
    from/to to its period, with an Indonesian title and a summary."""
    if histogram is None or len(histogram[1]) < 2:
        return None
    interval, buckets = histogram
    top = max(b.count for b in buckets) or 1
    step = TIMELINE_WIDTH / len(buckets)
    bars = []
    for i, b in enumerate(buckets):
        height = TIMELINE_HEIGHT * b.count / top
        bars.append(
            Bar(
                x=round(i * step + step * 0.1, 2),
                y=round(TIMELINE_HEIGHT - height, 2),
                width=round(step * 0.8, 2),
                height=round(height, 2),
                href=url(rentang=None, **{"from": b.start.isoformat(), "to": b.end.isoformat()}),
                title=f"{bucket_label(b, interval)}: {number_id(b.count)} berita",
            )
        )
    busiest = max(buckets, key=lambda b: b.count)
    total = sum(b.count for b in buckets)
    summary = (
        f"Linimasa per {PERIOD_ID[interval]}: {number_id(total)} berita dari "
        f"{bucket_label(buckets[0], interval)} sampai {bucket_label(buckets[-1], interval)}; "
        f"terbanyak {number_id(busiest.count)} pada {bucket_label(busiest, interval)}."
    )
    return {
        "bars": bars,
        "summary": summary,
        "width": TIMELINE_WIDTH,
        "height": TIMELINE_HEIGHT,
        "first": bucket_label(buckets[0], interval),
        "last": bucket_label(buckets[-1], interval),
    }


@dataclass
class FacetGroup:
    """Facet values that differ only by an outlet's naming ("Nasional",
    "News / Nasional"), shown as one entry that selects all their exact keys."""

    label: str
    keys: list[str]
    count: int


def merged_facets(values: list[tuple[str, str, int]]) -> list[FacetGroup]:
    """Group (key, label, count), largest first. A path joins the top-level
    value its last part names ("News / Nasional" with "Nasional"); with no
    such value its last part alone would be ambiguous ("Properti / Berita"
    is not the site "Berita"), so it stays a whole path."""
    top = {normalise_key(label) for key, label, _ in values if "/" not in key}
    groups: dict[str, FacetGroup] = {}
    for key, label, count in values:
        leaf = label.split("/")[-1].strip()
        shown = leaf if normalise_key(leaf) in top else label
        group = groups.setdefault(normalise_key(shown), FacetGroup(shown[:1].upper() + shown[1:], [], 0))
        group.keys.append(key)
        group.count += count
    return sorted(groups.values(), key=lambda g: -g.count)


def _page_numbers(current: int, pages: int, around: int = 2) -> list[int]:
    return list(range(max(1, current - around), min(pages, current + around) + 1))


class ArticlePage:
    """GET /artikel/{id}: one article for reading, with its related coverage
    and the same story from other outlets; an Indonesian 404 when absent."""

    def __init__(self, engine: Engine, env: Environment):
        self.engine = engine
        self.template = env.get_template("article.html")

    def on_get(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        article = self.engine.article(article_id)
        resp.content_type = falcon.MEDIA_HTML
        if article is None:
            resp.status = falcon.HTTP_404
            resp.text = self.template.render(article=None, article_id=article_id)
            return
        found = self.engine.related(article_id, RELATED_ON_PAGE)
        related, same = found if found else (None, [])
        resp.text = self.template.render(
            article=article,
            paragraphs=[p.strip() for p in article["body"].split("\n\n") if p.strip()],
            original=web_link(article["url"]),
            related=related.hits if related else [],
            same_story=same,
        )


RELATED_ON_PAGE = 5


class DocsResource:
    """GET /docs: the API reference, rendered from the OpenAPI document (no CDN)."""

    def __init__(self, env: Environment):
        self.template = env.get_template("docs.html")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.template.render(
            doc=openapi_document(), type_of=schema_type, status_text=lambda s: RESPONSE_TEXTS.get(str(s), "")
        )


RESPONSE_TEXTS = {"200": "OK", "400": "a problem+json naming the parameter", "404": "not found"}


def schema_type(schema: dict | None) -> str:
    """A short reading of a JSON schema: "integer", "array of string", "$Hit"."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return "array of " + schema_type(schema.get("items"))
    if "enum" in schema:
        return kind + ": " + ", ".join(repr(v) for v in schema["enum"])
    return kind


def add_pages(app: falcon.App, engine: Engine) -> None:
    env = make_environment()
    page = PageResource(engine, env)
    app.add_route("/", page)
    app.add_route("/cari", page)
    app.add_route("/docs", DocsResource(env))
    app.add_route("/artikel/{article_id:path}", ArticlePage(engine, env))
    app.add_route("/robots.txt", RobotsResource())
    app.add_route("/favicon.ico", FaviconResource())
    app.add_static_route("/static", str(STATIC))

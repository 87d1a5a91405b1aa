"""The HTTP API's shapes, defined once as pydantic models: the query
parameters each operation takes and the JSON each one answers with.

Everything else is derived from these: parsing and validating a request
(:meth:`Params.parse`), the names a 400 lists as known, the response bodies
(``model_dump_json``) and the OpenAPI document (:mod:`search.http.openapi`
reads their JSON Schemas). pydantic rather than msgspec because its JSON
Schema output is what OpenAPI 3.1 wants (aliases, nullable types, numeric
bounds, descriptions), and it is the library the ecosystem (FastAPI,
schemathesis) already reads.

The engine keeps its own types (:class:`search.request.SearchRequest`,
:class:`search.results.SearchResult`); :meth:`SearchParams.to_request` and
:meth:`SearchResponse.of` translate between the two, so the library never
learns the service's parameter names.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache, partial
from typing import Annotated, Any, Literal, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema, field_validator

from .. import engine, results
from ..engine import EXPORT_LIMIT
from ..features.export import ExportFormat
from ..features.highlight import plain_text
from ..features.related import MAX_WITHIN_DAYS
from ..features.suggest import MAX_SUGGESTIONS
from ..request import (
    DEFAULT_HALF_LIFE_DAYS,
    FACET_SIZE,
    MAX_DEEP,
    MAX_FACET_SIZE,
    MAX_QUERY_CHARS,
    MAX_SIZE,
    MAX_WINDOW,
    Interval,
    InvalidRequest,
    SearchRequest,
    Sort,
    parse_date_bound,
)
from ..results import SearchResult
from .params import ELSEWHERE, FOREIGN_NAMES, parse_facets

DATE_SCHEMA = {
    "type": "string",
    "anyOf": [{"format": "date"}, {"format": "date-time"}],
    "examples": ["2019-09-01", "2019-09-01T08:00:00+07:00"],
}


# A date or datetime parameter; a bare date is a whole day in Asia/Jakarta,
# from its first instant (StartBound) or to its last (EndBound).
StartBound = Annotated[
    datetime | None, BeforeValidator(partial(parse_date_bound, end=False)), WithJsonSchema(DATE_SCHEMA)
]
EndBound = Annotated[datetime | None, BeforeValidator(partial(parse_date_bound, end=True)), WithJsonSchema(DATE_SCHEMA)]


def _facet_kinds(value: str | tuple[str, ...]) -> frozenset[str]:
    """facets=category&facets=date reads as facets=category,date."""
    return parse_facets(",".join(value) if isinstance(value, (list, tuple)) else value)


FacetKinds = Annotated[
    frozenset[str],
    BeforeValidator(_facet_kinds),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string"},
            "examples": [["true"], ["category,source,date"], ["category", "date"]],
        }
    ),
]


class Params(BaseModel):
    """Query parameters. Unknown names are refused (a filter the user believes
    in must never be silently dropped); an empty value means "not given"; a
    repeatable parameter (a tuple field) may appear more than once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    @cache
    def names(cls) -> tuple[str, ...]:
        """The parameter names, as clients spell them (derived once per model:
        every request asks)."""
        return tuple(f.alias or name for name, f in cls.model_fields.items())

    @classmethod
    @cache
    def repeatable(cls) -> frozenset[str]:
        return frozenset(
            f.alias or name
            for name, f in cls.model_fields.items()
            if get_origin(f.annotation) in (tuple, list, frozenset)
        )

    @classmethod
    def parse(cls, params: Mapping[str, str | list[str]], strict: bool = True):
        """Typed parameters from a query string's values (Falcon's
        ``req.params``, or the CLI's options). ``strict=False`` ignores
        names this model does not know (the search page has its own)."""
        known, repeatable = cls.names(), cls.repeatable()
        values: dict[str, Any] = {}
        for name, value in params.items():
            if name not in known:
                if strict:
                    _refuse_unknown(name, known)
                continue
            given = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if v not in (None, "")]
            if not given:
                continue
            if name in repeatable:
                values[name] = tuple(given)
            elif len(given) > 1:
                raise InvalidRequest(name, f"{name} was given {len(given)} times; give it once")
            else:
                values[name] = given[0]
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise _invalid(exc) from None


def _refuse_unknown(name: str, known: tuple[str, ...]) -> None:
    if name in ELSEWHERE:
        raise InvalidRequest(name, f"unknown parameter {name!r}; {ELSEWHERE[name]}")
    if name in FOREIGN_NAMES:
        raise InvalidRequest(name, f"unknown parameter {name!r}; Berita calls it {FOREIGN_NAMES[name]!r}")
    raise InvalidRequest(name, f"unknown parameter {name!r}; known parameters: {', '.join(known)}")


def _invalid(exc: ValidationError) -> InvalidRequest:
    """The first problem pydantic found, naming the parameter as the client
    spelled it (a validator's own message is kept as it is)."""
    error = exc.errors()[0]
    param = ".".join(str(part) for part in error["loc"] if isinstance(part, str)) or "query"  # webhook.url
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError):  # a validator of ours: its message, after the name
        return InvalidRequest(param, f"{param} {cause}")
    given = repr(error["input"])
    given = given if len(given) <= 60 else given[:57] + "..."
    return InvalidRequest(param, f"{param}: {error['msg'][:1].lower()}{error['msg'][1:]}, not {given}")


class FilterParams(Params):
    """Which articles: the query and the filters (the feed takes just these)."""

    q: str = Field(
        "",
        max_length=MAX_QUERY_CHARS,
        description=(
            'The query: words are ANDed; "exact phrase"; -word excludes; OR and parentheses; title:, body:, '
            "category:, source:, author: scope a term. Empty: browse (newest first)."
        ),
    )
    date_from: StartBound = Field(None, alias="from", description="Earliest publication time (inclusive).")
    date_to: EndBound = Field(None, alias="to", description="Latest publication time (inclusive).")
    categories: tuple[str, ...] = Field(
        (), alias="category", description=("Category (OR within, AND across keys); a section matches its subsections.")
    )
    sources: tuple[str, ...] = Field((), alias="source", description="Outlet (kompas matches Kompas.com).")
    authors: tuple[str, ...] = Field((), alias="author", description="Author.")
    spellcheck: bool = Field(
        True,
        description=(
            "Correct likely typos: when no article holds every word of q as typed and a corrected query finds some, "
            "the answer is for the corrected query (corrected_query says which); false searches q as typed."
        ),
    )

    def to_request(self, **fixed: Any) -> SearchRequest:
        """The engine's request; ``fixed`` overrides what this operation decides itself."""
        fields = {name: getattr(self, name) for name in type(self).model_fields if name in REQUEST_FIELDS}
        return SearchRequest(**{**fields, **fixed})


class OrderParams(FilterParams):
    """...and in which order (with the filters, what a cursor is bound to)."""

    sort: Sort | None = Field(
        None,
        description=(
            "relevance (default with q), recent (relevance blended with freshness), newest (default without q), oldest."
        ),
    )
    now: EndBound = Field(
        None,
        description=(
            "sort=recent: the moment ages are measured from, and what date words in q are read relative to "
            "(default: the newest article in the index)."
        ),
    )
    dates: bool = Field(
        True,
        description=(
            "Read Indonesian date words in q (banjir kemarin, gempa minggu lalu, demo september 2019, sejak 17 "
            "Agustus) as the date filter, relative to now in Asia/Jakarta days, and search q without them "
            "(understood says what was read); not when from or to is given, inside quotes, or where the words are "
            "content (Piala Dunia 2018). false searches every word as typed."
        ),
    )
    half_life_days: float = Field(
        DEFAULT_HALF_LIFE_DAYS,
        alias="half_life",
        gt=0,
        allow_inf_nan=False,
        description="sort=recent: days after which freshness counts half.",
    )


class SearchParams(OrderParams):
    page: int = Field(
        1,
        ge=1,
        description=(
            f"1-based page; only the first {MAX_WINDOW} results can be reached (max_page; past it use the cursor, the "
            "export, or from/to to narrow the set). A page past the last one answers 200 with no results; pages says "
            "how many there are."
        ),
    )
    size: int = Field(10, ge=0, le=MAX_SIZE, description="Results per page; 0 for the counts and facets only.")
    collapse: bool = Field(
        False,
        description=(
            "Fold near-identical stories from other outlets into the better-ranked hit's duplicates (only when the "
            "distinct stories still fill the page). Off by default, so every matching article is a result."
        ),
    )
    facets: FacetKinds = Field(
        default_factory=frozenset,
        description=(
            "Counts over the whole matching set: true (category, source, author), false, or a comma-separated list "
            "of category, source, author, date. date is a histogram (facets.date) whose counts add up to total."
        ),
    )
    facet_size: int = Field(
        FACET_SIZE,
        ge=1,
        le=MAX_FACET_SIZE,
        description="Values listed per facet kind, most common first (facets.more says how many are left out).",
    )
    interval: Interval = Field(
        "auto",
        description=(
            "Bucket size of the date facet, in Asia/Jakarta days; auto chooses the finest with at most 60 buckets."
        ),
    )
    cursor: str | None = Field(
        None,
        description=(
            f"Instead of page: the cursor of the previous page, to go past the first {MAX_WINDOW} results (up to "
            f"{MAX_DEEP:,}). It holds the index generation: after a new commit it answers 410, search again. Cursor "
            "pages never fold near-duplicates."
        ),
    )


class ExportParams(OrderParams):
    format: ExportFormat = Field("csv", description="CSV (RFC 4180, UTF-8) or JSON Lines.")
    bom: bool = Field(False, description="Start the CSV with a UTF-8 byte-order mark (for spreadsheets).")
    limit: int = Field(EXPORT_LIMIT, ge=1, le=EXPORT_LIMIT, description="At most this many rows.")


class SuggestParams(Params):
    q: str = Field("", max_length=MAX_QUERY_CHARS, description="What has been typed so far.")
    size: int = Field(MAX_SUGGESTIONS, ge=1, le=MAX_SUGGESTIONS, description="Suggestions to return.")


class RelatedParams(Params):
    size: int = Field(5, ge=1, le=MAX_SIZE, description="Related stories to list.")
    within_days: int | None = Field(
        None, ge=0, le=MAX_WITHIN_DAYS, description=("Only stories published within this many days of the article.")
    )


REQUEST_FIELDS = frozenset(SearchRequest.__dataclass_fields__) - {"offset", "generation"}


# ---- answers ----


class Model(BaseModel):
    """An answer's shape, dumped with the API's names and without the
    optional parts that were not given."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    def json_bytes(self, indent: int | None = None) -> bytes:
        return self.model_dump_json(by_alias=True, exclude_unset=True, indent=indent).encode("utf-8")


class Folded(Model):
    """Another outlet's copy of the hit's story (collapse=true)."""

    id: str
    url: str | None
    title: str
    source: str | None


class Hit(Model):
    id: str
    url: str | None
    title: str
    title_html: str = Field(description="HTML-escaped, matches in <mark>.")
    snippet: str = Field(
        description=(
            "~200 characters as HTML: escaped text with the matching words in <mark> (insert it as HTML, not as text)."
        )
    )
    snippet_text: str = Field(description="The same passage as plain text.")
    published: datetime
    published_has_time: bool = Field(description="False: the source gave a date without a time.")
    category: str | None
    source: str | None
    author: str | None
    score: float | None = Field(description="null when sorted by date.")
    duplicates: list[Folded] = Field(description="With collapse=true: near-identical stories folded into this hit.")
    missing_word: str | None = Field(description="A partial match: the query word this article lacks.")

    @staticmethod
    def fields(hit: results.Hit) -> dict[str, Any]:
        """The engine's hit in this shape (validated by the answer holding it):
        its fields, and the snippet as plain text besides."""
        return {**vars(hit), "snippet_text": plain_text(hit.snippet), "duplicates": [vars(d) for d in hit.duplicates]}


class Facet(Model):
    key: str = Field(description="What to pass back as the filter.")
    label: str = Field(description="How the outlets name it.")
    count: int


class DateBucket(Model):
    start: date = Field(alias="from", description="First day (inclusive).")
    end: date = Field(alias="to", description="Last day (inclusive).")
    count: int


class FacetCounts(Model):
    category: list[Facet] = []
    source: list[Facet] = []
    author: list[Facet] = []
    date: list[DateBucket] = []
    more: dict[str, int] = Field(
        default_factory=dict,
        description="Per kind: values with a count that facet_size left out (absent when none were).",
    )


class PartialMatches(Model):
    """Articles that lack one of the query's plain words, listed after every
    article that has them all (included in total): added when full matches are
    fewer than 20 or the query has 3+ words. Quoted phrases, -words and scoped
    terms stay required."""

    total: int
    missing_words: list[str]


class Understood(Model):
    """Date words read in q and applied as the date filter (dates=true)."""

    date_from: date | None = Field(alias="from", description="First Asia/Jakarta day (inclusive); null: open.")
    date_to: date | None = Field(alias="to", description="Last Asia/Jakarta day (inclusive); null: open.")
    text: str = Field(description="The words of q read as the date, as written.")
    query: str = Field(description="What was searched: q without those words.")


class SearchResponse(Model):
    query: str
    total: int
    page: int = Field(description="This page's number (on a cursor page too: where its results start).")
    size: int
    pages: int = Field(description="Pages the whole result set fills.")
    max_page: int = Field(
        description=f"The last page that page= reaches (the first {MAX_WINDOW} results); past it, cursor or export."
    )
    sort: Sort
    took_ms: float
    timed_out: bool = Field(
        description=(
            "True: the time budget ran out and the results are partial (phrase checks or the proximity ranking were "
            "cut short)."
        )
    )
    partial_matches: PartialMatches
    suggestion: str | None = Field(
        description=(
            f"Fewer than {engine.SUGGEST_BELOW} articles hold every word (filters aside): the query with likely typos "
            'corrected, where that finds more (the page\'s "Apakah maksud Anda"), or null.'
        )
    )
    corrected_query: str | None = Field(
        None,
        description=(
            "No article holds every word of query: the results are for this corrected query instead (the page's "
            '"Menampilkan hasil untuk"); spellcheck=false searches query as typed. Else null.'
        ),
    )
    unquoted_query: str | None = Field(
        None,
        description=(
            f"Fewer than {results.UNQUOTE_BELOW} results for a query with quoted phrases: the same query with the "
            'phrases\' words loose (title:"a b" as title:a title:b; excluded phrases stay quoted), to offer as a '
            "wider search; else null."
        ),
    )
    understood: Understood | None = Field(
        None,
        description="Date words in query read as the date filter (see dates); null when none were.",
    )
    results: list[Hit]
    cursor: str | None = Field(
        None,
        description=(
            "With collapse=false (or on a cursor page): pass as cursor to get the next page; null on the last one."
        ),
    )
    facets: FacetCounts | None = Field(None, description="With facets: counts over the whole matching set.")
    date_interval: Interval | None = Field(None, description="With facets=date: the interval its buckets use.")

    @classmethod
    def of(cls, result: SearchResult, **more: Any) -> SearchResponse:
        """The engine's result in this shape. Validated (in pydantic's compiled
        core, faster than building unvalidated models), so an answer that
        strays from what /openapi.json says fails here, in the tests."""
        fields: dict[str, Any] = dict(
            query=result.query,
            total=result.total,
            page=result.page,
            size=result.size,
            pages=result.pages,
            max_page=result.max_page,
            sort=result.sort,
            took_ms=result.took_ms,
            timed_out=result.timed_out,
            suggestion=result.suggestion,
            corrected_query=result.corrected_query,
            unquoted_query=result.unquoted,
            understood=(
                None
                if result.understood is None
                else {
                    "from": result.understood.date_from,
                    "to": result.understood.date_to,
                    "text": result.understood.text,
                    "query": result.understood.query,
                }
            ),
            partial_matches=dict(total=result.partial_total, missing_words=result.relaxed_words),
            results=[Hit.fields(h) for h in result.hits],
            **more,
        )
        if result.facets or result.histogram:
            counts: dict[str, Any] = {
                kind: [dict(key=k, label=label, count=n) for k, label, n in values]
                for kind, values in result.facets.items()
            }
            more = {kind: n for kind, n in result.facets_more.items() if n}
            if more:
                counts["more"] = more
            if result.histogram is not None:
                interval, buckets = result.histogram
                counts["date"] = [{"from": b.start, "to": b.end, "count": b.count} for b in buckets]
                fields["date_interval"] = interval
            fields["facets"] = counts
        return cls.model_validate(fields)


class RelatedResponse(SearchResponse):
    same_story: list[Hit] = Field(description="The same story from other outlets.")


class Article(Model):
    id: str
    url: str | None
    title: str
    body: str
    published: datetime
    published_has_time: bool
    category: str | None
    source: str | None
    author: str | None


class Suggestions(Model):
    query: str
    suggestions: list[str]


class Caches(Model):
    """This worker's caches: term postings (bytes held and their bound) and
    results (entries held and their bound)."""

    postings_bytes: int
    postings_max_bytes: int
    results: int
    results_max: int


class Health(Model):
    status: Literal["ok"]
    pid: int = Field(description="The worker process that answered.")
    documents: int
    generation: int
    last_commit: datetime | None
    searcher_opened: datetime
    stem_rules: str | None = Field(description="Fingerprint of the stemming rules the index was built with.")
    warnings: list[str] = Field(
        description=(
            "E.g. an index built with other stemming rules than the server's: queries may miss until it is rebuilt."
        )
    )
    caches: Caches


Outcome = Literal["added", "updated", "unchanged", "superseded", "failed"]
Refresh = Literal["false", "wait_for"]


class WriteParams(Params):
    """A write's query parameters."""

    refresh: Refresh = Field(
        "false",
        description=(
            "wait_for: answer once every worker process answers from this write's commit (Elasticsearch's word; "
            "the answer's visible says whether it did within 10 s). The worker that wrote answers from it before "
            "replying either way, so a client reads its own write on the same connection. DELETE always waits "
            "(its 204 closes the connection; Berita-Visible: false when the wait ran out)."
        ),
    )


class ArticleIn(BaseModel):
    """The body of PUT /api/articles/{id}, and each record of a bulk POST: a
    berita JSON Lines record (the corpus's keys). Other keys are not stored;
    the answer lists them as ignored_fields."""

    model_config = ConfigDict(extra="allow")

    id: str | None = Field(None, description="Required in a bulk POST (else made from url); PUT takes the path's.")
    url: str | None = Field(None, description="http:// or https://", pattern="^https?://")
    title: str = Field(min_length=1)
    body: str = Field(min_length=1)
    published: str = Field(
        description="ISO 8601 date or datetime (a datetime without offset is WIB), or an Indonesian date line; "
        "years 1900..2100.",
        examples=["2019-09-05", "2019-09-05T07:30:00+07:00", "Kamis, 05 September 2019 07:30 WIB"],
    )
    category: str | None = None
    author: str | None = None
    source: str | None = None


class Record(Model):
    """An article as a berita JSON Lines record, as stored (PUT answers with it)."""

    id: str
    url: str | None = None
    title: str
    published: str = Field(description="ISO 8601; a bare date when the source gave no time.")
    category: str | None = None
    author: str | None = None
    body: str
    source: str | None = None


class Written(Record):
    """PUT's answer: the record as stored, and what happened to it."""

    result: Outcome
    ignored_fields: list[str] | None = Field(None, description="Keys of the body that are no article field.")
    visible: bool | None = Field(None, description="With refresh=wait_for: every worker answers from this write.")


class RecordOutcome(Model):
    line: int = Field(description="1-based line (JSON Lines) or position (JSON array) in the body.")
    id: str | None
    result: Outcome
    error: str | None = Field(None, description="Why a failed record was refused.")
    superseded_by: int | None = Field(
        None, description="A superseded record: the later line with the same id, which was stored instead."
    )
    ignored_fields: list[str] | None = Field(None, description="Keys of the record that are no article field.")


class BulkOutcome(Model):
    """Bulk POST's answer, record by record, with the counts of each outcome."""

    errors: bool = Field(description="True: at least one record failed (Elasticsearch's errors).")
    added: int
    updated: int
    unchanged: int
    superseded: int = Field(description="Records replaced by a later record with the same id in this request.")
    failed: int
    results: list[RecordOutcome]
    visible: bool | None = Field(None, description="With refresh=wait_for: every worker answers from this write.")


# ---- alerts ----

ALERT_NAME_CHARS = 200
MAX_DIGEST_MINUTES = 24 * 60


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        max_length=2000, json_schema_extra={"pattern": "^https?://[^/]"}, description="Where deliveries are POSTed."
    )
    secret: str = Field(
        min_length=8, max_length=200, description="Key of the HMAC-SHA256 signature (X-Berita-Signature)."
    )

    @field_validator("url")
    @classmethod
    def _web_address(cls, url: str) -> str:
        """Only http(s): a webhook is never a file, a mail address or another scheme."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http:// or https:// address, not {url[:60]!r}")
        return url


class AlertIn(BaseModel):
    """A saved search: its query and filters as /api/search takes them, and
    where to tell of each new article it lists (POST and PUT's body; PATCH
    takes any of its keys)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=ALERT_NAME_CHARS)
    q: str = Field("", max_length=MAX_QUERY_CHARS, description="The query, in the search syntax.")
    date_from: str | None = Field(
        None, alias="from", description="Only articles published at or after this date or datetime."
    )
    date_to: str | None = Field(None, alias="to", description="Only articles published up to this date or datetime.")
    category: list[str] = Field([], description="Category filter (OR within).")
    source: list[str] = Field([], description="Outlet filter (OR within).")
    author: list[str] = Field([], description="Author filter (OR within).")
    webhook: WebhookIn
    updates: bool = Field(False, description="Deliver an article again when it is changed after its delivery.")
    digest_minutes: int = Field(
        0, ge=0, le=MAX_DIGEST_MINUTES, description="0: deliver at once; N: one delivery per N minutes at most."
    )

    def search(self) -> dict:
        """The saved search as the store keeps it (dates checked as search reads them)."""
        for param, value, end in (("from", self.date_from, False), ("to", self.date_to, True)):
            try:
                parse_date_bound(value, end=end)
            except ValueError as exc:
                raise InvalidRequest(param, f"{param} {exc}") from None
        return {
            "q": self.q,
            "from": self.date_from,
            "to": self.date_to,
            "category": self.category,
            "source": self.source,
            "author": self.author,
        }

    @classmethod
    def parse(cls, body: object) -> AlertIn:
        try:
            return cls.model_validate(body)
        except ValidationError as exc:
            raise _invalid(exc) from None


class WebhookOut(Model):
    url: str = Field(description="The secret is never shown.")


class AlertOut(Model):
    """A saved search as stored."""

    id: str
    name: str
    q: str
    date_from: str | None = Field(alias="from")
    date_to: str | None = Field(alias="to")
    category: list[str]
    source: list[str]
    author: list[str]
    webhook: WebhookOut
    updates: bool
    digest_minutes: int
    created: datetime
    changed: datetime
    feed: str = Field(description="The alert's own Atom feed (its URL carries a token: no key needed).")
    deliveries: str = Field(description="Its delivery log.")


class AlertList(Model):
    alerts: list[AlertOut]


class DeliveredArticle(Model):
    """One article a delivery carries (as the webhook receives it)."""

    id: str
    title: str
    url: str | None
    published: str
    source: str | None
    category: str | None = None
    highlight: dict[str, str] = Field(description="title and snippet with the query's words in <mark>.")
    update: bool = Field(description="A changed version of an article delivered before.")
    also_reported: list[Folded] = Field(description="Other outlets' copies of the story (juga diberitakan).")


class DeliveryOut(Model):
    """One webhook delivery: its id is the idempotency id the receiver gets."""

    id: str
    status: Literal["collecting", "pending", "delivered", "failed"]
    created: datetime
    due: datetime = Field(description="When it is (or was last) to be sent.")
    attempts: int
    last_error: str | None
    delivered: datetime | None
    articles: list[DeliveredArticle]


class DeliveryLog(Model):
    deliveries: list[DeliveryOut] = Field(description="Newest first, at most 100.")


class Problem(Model):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    param: str | None = Field(None, description="The offending parameter.")


ANSWERS: tuple[type[Model], ...] = (
    SearchResponse,
    RelatedResponse,
    Article,
    Suggestions,
    Health,
    Written,
    BulkOutcome,
    AlertOut,
    AlertList,
    DeliveryLog,
    Problem,
)

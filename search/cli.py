"""The ``berita`` command: the index commands plus ``search`` and ``serve``."""

from __future__ import annotations

import errno
import shlex
import sys
from dataclasses import replace
from datetime import datetime

import click
from tqdm import tqdm

from index.cli import backend_options, cli, index_option
from index.opensearch.target import ClusterTarget, ClusterUnavailable
from index.store import IndexMissing, resolve_index_dir
from index.writer import DISK_FULL

from .backend import Engine
from .engine import EXPORT_LIMIT, SearchEngine
from .features.export import EXPORT_FORMATS, export_lines
from .features.highlight import plain_text
from .http.config import DEFAULT_SLOTS, ServiceConfig, parse_rate
from .keys import KEYS_FILE, KeyProblem, add_key, list_keys, revoke_key
from .query.dates import read_dates
from .reader.manager import DEFAULT_POSTINGS_CACHE_MB
from .request import (
    DEFAULT_BUDGET_SECONDS,
    DEFAULT_CACHE_ENTRIES,
    INTERVALS,
    MAX_SIZE,
    MAX_WINDOW,
    SORTS,
    InvalidRequest,
    SearchRequest,
    parse_date_bound,
)


@cli.command("search")
@click.argument("query", nargs=-1)
@index_option
@click.option("--from", "date_from", metavar="DATE", help="Earliest date (YYYY-MM-DD or ISO 8601).")
@click.option("--to", "date_to", metavar="DATE", help="Latest date, inclusive.")
@click.option("--category", multiple=True, help="Category filter (repeatable).")
@click.option("--source", multiple=True, help="Source filter (repeatable).")
@click.option("--author", multiple=True, help="Author filter (repeatable).")
@click.option("--sort", type=click.Choice(SORTS), default=None, help="Default: relevance with a query, newest without.")
@click.option("--now", metavar="DATE", help="For --sort recent: measure ages from this moment.")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--size", type=int, default=10, show_default=True, help=f"Results per page (max {MAX_SIZE}).")
@click.option("--histogram", is_flag=True, help="Also chart how many matches were published when.")
@click.option(
    "--interval", type=click.Choice(INTERVALS), default="auto", show_default=True, help="Bars of the --histogram."
)
@click.option(
    "--spellcheck/--no-spellcheck",
    default=True,
    show_default=True,
    help="Search the corrected query when no article holds every word as typed.",
)
@click.option(
    "--dates/--no-dates",
    default=True,
    show_default=True,
    help="Read date words in the query (banjir kemarin, demo september 2019) as the date filter.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the /api/search JSON envelope.")
@click.option("--all", "export_all", is_flag=True, help=f"Write every match (up to {EXPORT_LIMIT:,}) to stdout.")
@click.option(
    "--format", "export_format", type=click.Choice(EXPORT_FORMATS), default="csv", show_default=True, help="With --all."
)
@backend_options
def search_command(
    query,
    index_dir,
    date_from,
    date_to,
    category,
    source,
    author,
    sort,
    now,
    page,
    size,
    histogram,
    interval,
    spellcheck,
    dates,
    as_json,
    export_all,
    export_format,
    cluster,
):
    """Search the index from the terminal."""
    given = click.get_current_context().get_parameter_source
    if given("export_format") is not click.core.ParameterSource.DEFAULT and not export_all:
        raise click.UsageError("--format chooses the format of --all; without --all results are text (or --json)")
    moment = date_option(now, "--now", end=True)
    if moment and sort != "recent" and not (dates and read_dates(" ".join(query), moment)):
        raise click.UsageError(
            "--now is where --sort recent measures ages from (and date words in the query are read from); "
            "give --sort recent too"
        )
    request = SearchRequest(
        q=" ".join(query),
        date_from=date_option(date_from, "--from"),
        date_to=date_option(date_to, "--to", end=True),
        categories=category,
        sources=source,
        authors=author,
        sort=sort,
        now=moment,
        page=page,
        size=size,
        facets=frozenset({"date"} if histogram else ()),
        interval=interval,
        spellcheck=spellcheck,
        dates=dates,
    )
    try:
        engine = open_engine(index_dir, cluster)
        try:
            if export_all:
                _export(engine, request, export_format)
                return
            result = engine.search(request)
        finally:
            engine.close()
    except InvalidRequest as exc:
        raise click.BadParameter(cli_detail(exc), param_hint=f"--{exc.param}") from None
    except (IndexMissing, ClusterUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        from .http.models import SearchResponse  # the API's envelope (the web stack loads only for --json)

        click.echo(SearchResponse.of(result).json_bytes(indent=2).decode("utf-8"))
        return
    noun = "result" if result.total == 1 else "results"
    where = f"page {result.page} of {result.pages}, " if result.pages else ""
    click.echo(f"{result.total:,} {noun} ({result.took_ms:.0f} ms), {where}sorted by {result.sort}")
    if result.partial_total:
        click.echo(f"(the last {result.partial_total:,} lack one of the words: {', '.join(result.relaxed_words)})")
    if result.understood:
        click.echo(understood_note(result.understood))
    if result.corrected_query:
        click.echo(corrected_note(result.corrected_query, result.query))
    if result.suggestion:
        click.echo(f"Maksud Anda: {result.suggestion}")
    if result.unquoted:
        click.echo(f"(few hold the exact phrases; the words anywhere: berita search {shlex.quote(result.unquoted)})")
    if result.histogram is not None:
        click.echo(text_histogram(*result.histogram))
    if result.page > max(result.pages, 1):
        click.echo(
            f"page {result.page} is past the last page ({result.pages}); use --page {result.max_page or 1}", err=True
        )
    for rank, hit in enumerate(result.hits, (result.page - 1) * result.size + 1):
        when = hit.published.strftime("%Y-%m-%d %H:%M WIB" if hit.published_has_time else "%Y-%m-%d")
        meta = " · ".join(x for x in (hit.source, hit.category, when, hit.author) if x)
        click.echo("")
        click.secho(f"{rank:>3}. {hit.title}", bold=True)
        click.echo(f"     {meta}")
        click.echo(f"     {plain_text(hit.snippet)}")
        click.echo(f"     {hit.url or 'id: ' + hit.id}")


def open_engine(index_dir, cluster: ClusterTarget | None) -> Engine:
    """The Whoosh index in ``index_dir``, or the cluster (without its refresher thread)."""
    if cluster is None:
        return SearchEngine.open(resolve_index_dir(index_dir), background=False)
    from .backends.opensearch.engine import OpenSearchEngine

    return OpenSearchEngine.connect(cluster, poll=False)


def date_option(value: str | None, option: str, end: bool = False) -> datetime | None:
    """A date option's value as the API reads it (a bare date: a whole Jakarta day)."""
    try:
        return parse_date_bound(value, end=end)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def cli_detail(exc: InvalidRequest) -> str:
    """The engine's message as the CLI says it: without the parameter's name
    in front (click names the option), and with the CLI's way past the page window."""
    if exc.reason == "window":
        return (
            f"only the first {MAX_WINDOW:,} results can be reached with --page; "
            "--all writes every match (--format csv or jsonl), or narrow the query"
        )
    detail = exc.detail
    for prefix in (f"{exc.param}: ", f"{exc.param} "):
        if detail.startswith(prefix):
            return detail[len(prefix) :]
    return detail


def _export(engine: Engine, request: SearchRequest, fmt: str) -> None:
    """Every match to stdout; a progress bar on stderr when it is a terminal."""
    understood, _ = engine.understand(request)  # date words in q as the date filter
    searched = engine.spellchecked(understood)
    if searched.q != understood.q:
        click.echo(corrected_note(searched.q, understood.q), err=True)
    rows = engine.export(searched)
    with tqdm(unit=" articles", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:

        def counted():
            for row in rows:
                bar.update(1)
                yield row

        for chunk in export_lines(counted(), fmt):
            click.echo(chunk, nl=False)


def understood_note(understood) -> str:
    """What the date words of the query were read as."""
    span = f"{understood.date_from or '…'} .. {understood.date_to or '…'}"
    searched = shlex.quote(understood.query) if understood.query else "every article"
    return f"({understood.text!r} read as {span}; searched: {searched}; --no-dates searches every word)"


def corrected_note(corrected: str, typed: str) -> str:
    """What the CLI says when it searched a corrected query (the page's
    "Menampilkan hasil untuk ... Cari ... saja")."""
    return f"Menampilkan hasil untuk: {corrected} (cari {shlex.quote(typed)} saja: --no-spellcheck)"


def text_histogram(interval: str, buckets: list, width: int = 40) -> str:
    """A compact bar chart: one line per bucket, the bar scaled to the largest."""
    if not buckets:
        return "(no matches to chart)"
    top = max(b.count for b in buckets) or 1
    label = {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[interval]
    lines = [f"\npublished per {interval}:"]
    for b in buckets:
        bar = "█" * max(1, round(width * b.count / top)) if b.count else ""
        lines.append(f"  {b.start.strftime(label):<10} {bar} {b.count:,}")
    return "\n".join(lines)


@cli.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Threads per process.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes (each with its own searcher): add these for throughput.",
)
@click.option(
    "--cache",
    "cache_entries",
    type=click.IntRange(0, 1_000_000),
    default=DEFAULT_CACHE_ENTRIES,
    show_default=True,
    help="Results kept per worker for repeated requests (0: off); emptied by each commit.",
)
@click.option(
    "--postings-cache",
    "postings_cache_mb",
    type=click.IntRange(1, 65_536),
    default=DEFAULT_POSTINGS_CACHE_MB,
    show_default=True,
    metavar="MB",
    help="Term postings kept per worker, plus a quarter as much for assembled lists: "
    "the bound on what a worker's memory grows by once warm.",
)
@click.option(
    "--budget",
    "budget_seconds",
    type=click.FloatRange(0.01, 60),
    default=DEFAULT_BUDGET_SECONDS,
    show_default=True,
    help="Seconds one search may spend before it answers with what it has (timed_out).",
)
@click.option(
    "--rate-limit", metavar="RATE", help="Requests per client address, like 20/s or 600/m (off unless given)."
)
@click.option("--burst", type=click.IntRange(1), help="Requests a client may make at once (default: twice the rate).")
@click.option(
    "--trusted-proxy",
    multiple=True,
    metavar="ADDRESS",
    help="A proxy whose X-Forwarded-For names the client (repeatable).",
)
@click.option("--require-read-key", is_flag=True, help="Reads need a key too (berita keys add NAME).")
@click.option(
    "--costly-slots",
    type=click.IntRange(1, 64),
    default=DEFAULT_SLOTS,
    show_default=True,
    help="Exports and long queries (9+ words) answered at once per process; more wait briefly, then 503.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="A web origin whose pages may call the API (repeatable; * for any), e.g. https://portal.example.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Where readers reach this service, for the links in feeds [default: http://HOST:PORT].",
)
@click.option(
    "--alert-retry-cap",
    type=click.FloatRange(0.1, 86_400),
    default=300.0,
    show_default=True,
    help="Longest wait, in seconds, between two tries of a failed alert webhook delivery.",
)
@backend_options
def serve_command(
    index_dir,
    host,
    port,
    threads,
    workers,
    cache_entries,
    postings_cache_mb,
    budget_seconds,
    rate_limit,
    burst,
    trusted_proxy,
    require_read_key,
    costly_slots,
    cors_origins,
    base_url,
    alert_retry_cap,
    cluster,
):
    """Serve the search API and page with waitress (with --backend opensearch,
    from a cluster; --index then only keeps the write keys)."""
    from .http.server import run_server

    directory = resolve_index_dir(index_dir)
    config = ServiceConfig(
        cache_entries=cache_entries,
        postings_cache_mb=postings_cache_mb,
        budget_seconds=budget_seconds,
        costly_slots=costly_slots,
        burst=burst,
        trusted_proxies=frozenset(trusted_proxy),
        require_read_key=require_read_key,
        cors_origins=tuple(cors_origins),
        alert_retry_cap=alert_retry_cap,
        opensearch=cluster,
    )
    if base_url:
        if not base_url.lower().startswith(("http://", "https://")):
            raise click.BadParameter(
                f"a base URL starts with http:// or https://, not {base_url!r}", param_hint="--base-url"
            )
        config = replace(config, base_url=base_url.rstrip("/"))
    if rate_limit:
        try:
            config = replace(config, rate=parse_rate(rate_limit))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--rate-limit") from None
    try:
        engine = open_engine(directory, cluster)  # fail fast, before binding
        for warning in engine.health()["warnings"]:
            click.echo(f"warning: {warning}", err=True)
    except (IndexMissing, ClusterUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    engine.close()

    served = directory if cluster is None else f"OpenSearch index {cluster.index} at {', '.join(cluster.urls)}"

    def ready(h, p):
        shown = f"[{h}]" if ":" in h else h
        processes = f"{workers} process{'' if workers == 1 else 'es'}"
        click.echo(
            f"Berita serving {served} on http://{shown}:{p}/ ({processes} x {threads} "
            f"thread{'' if threads == 1 else 's'})",
            err=True,
        )
        sys.stderr.flush()

    try:
        run_server(directory, host=host, port=port, threads=threads, workers=workers, ready=ready, config=config)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        click.echo(f"error: port {port} on {host} is in use; pass another --port", err=True)
        sys.exit(2)


@cli.group("keys")
def keys_group() -> None:
    """Write keys for the HTTP write API (stored hashed beside the index)."""


@keys_group.command("add")
@click.argument("name")
@index_option
def keys_add(name, index_dir) -> None:
    """Make a key; prints the key alone on stdout (keep it: it is not stored)."""
    directory = resolve_index_dir(index_dir)
    if not directory.exists():
        raise click.ClickException(f"no index at {directory} (run 'berita index PATH' first)")
    try:
        secret = add_key(directory, name)
    except KeyProblem as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(_cannot_write_keys(directory, exc)) from None
    click.echo(f"key {name!r} made for {directory}; it is shown only now", err=True)
    click.echo(secret)


@keys_group.command("list")
@index_option
def keys_list(index_dir) -> None:
    """Names and creation times of the keys."""
    for name, created, old in list_keys(resolve_index_dir(index_dir)):
        click.echo(f"{name}\t{created}" + ("\told format: make a new key and revoke this one" if old else ""))


@keys_group.command("revoke")
@click.argument("name")
@index_option
def keys_revoke(name, index_dir) -> None:
    """Remove a key: requests made with it are refused from now on."""
    directory = resolve_index_dir(index_dir)
    try:
        revoke_key(directory, name)
    except KeyProblem as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(_cannot_write_keys(directory, exc)) from None
    click.echo(f"revoked {name!r}", err=True)


def _cannot_write_keys(directory, exc: OSError) -> str:
    full = " (disk full)" if exc.errno in DISK_FULL else ""
    return f"cannot write {directory / KEYS_FILE}: {exc.strerror or exc}{full}; the keys are as they were"


@cli.group("alerts")
def alerts_group() -> None:
    """Saved searches that POST each new matching article to a webhook
    (stored beside the index; the running service matches and delivers)."""


ALERT_OWNER = "cli"  # whose an alert made here is (an HTTP key sees only its own)
ALERT_PARAMS = {"webhook.url": "--webhook", "webhook.secret": "--secret", "webhook": "--webhook", "name": "NAME"}


def _alert_options(command):
    for option in reversed(
        [
            click.option("--from", "date_from", metavar="DATE", help="Only articles published at or after DATE."),
            click.option("--to", "date_to", metavar="DATE", help="Only articles published up to DATE."),
            click.option("--category", multiple=True, help="Category filter (repeatable)."),
            click.option("--source", multiple=True, help="Source filter (repeatable)."),
            click.option("--author", multiple=True, help="Author filter (repeatable)."),
            click.option("--webhook", "webhook_url", metavar="URL", help="Where deliveries are POSTed (http/https)."),
            click.option("--secret", metavar="TEXT", help="Key of the HMAC-SHA256 signature (8+ characters)."),
            click.option("--updates/--no-updates", default=None, help="Deliver a changed article again."),
            click.option("--digest-minutes", type=int, help="0: at once; N: one delivery per N minutes at most."),
        ]
    ):
        command = option(command)
    return command


def _alert_body(given: dict) -> dict:
    """The options given, as the API's alert body keys."""
    names = {"date_from": "from", "date_to": "to"}
    body = {names.get(k, k): (list(v) if isinstance(v, tuple) else v) for k, v in given.items() if v not in (None, ())}
    hook = {k: body.pop(n) for k, n in (("url", "webhook_url"), ("secret", "secret")) if n in body}
    if hook:
        body["webhook"] = hook
    return body


def _with_alerts(index_dir, cluster: ClusterTarget | None, act):
    """Run ``act(engine, store)`` on the alerts of the index directory (over
    a cluster: of the serving directory given to ``berita serve --index``);
    errors as messages."""
    from index.store import StaleAnalysis

    from .alerts.service import open_alerts
    from .alerts.store import AlertNotFound

    directory = resolve_index_dir(index_dir)
    if cluster is not None and not directory.is_dir():
        raise click.ClickException(f"no serving directory {directory} (the --index that berita serve keeps keys in)")
    try:
        engine = open_engine(directory, cluster)
    except IndexMissing as exc:
        raise click.ClickException(str(exc)) from None
    try:
        return act(engine, open_alerts(engine, directory))
    except InvalidRequest as exc:
        hint = ALERT_PARAMS.get(exc.param, f"--{exc.param.replace('_', '-')}")
        raise click.BadParameter(cli_detail(exc), param_hint=hint) from None
    except AlertNotFound as exc:
        raise click.ClickException(f"no alert {exc.args[0]!r} in {directory}") from None
    except (ClusterUnavailable, StaleAnalysis) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.close()


def _show_alert(alert) -> str:
    import json

    from .http.alerts import alert_fields

    return json.dumps(alert_fields(alert), ensure_ascii=False, indent=2)


@alerts_group.command("add")
@click.argument("name")
@click.argument("query", nargs=-1)
@index_option
@backend_options
@_alert_options
def alerts_add(name, query, index_dir, cluster, **options) -> None:
    """Save a search QUERY as alert NAME; prints the alert's id."""
    from .alerts.match import check_search
    from .http.models import AlertIn

    body = {"name": name, "q": " ".join(query), **_alert_body(options)}

    def add(engine, store):
        spec = AlertIn.parse(body)
        search = spec.search()
        check_search(engine, search)
        return store.add(
            ALERT_OWNER, spec.name, search, spec.webhook.url, spec.webhook.secret, spec.updates, spec.digest_minutes
        )

    alert = _with_alerts(index_dir, cluster, add)
    click.echo(f"alert {alert.name!r} saved", err=True)
    click.echo(alert.id)


@alerts_group.command("list")
@index_option
@backend_options
def alerts_list(index_dir, cluster) -> None:
    """Every alert: id, owner (the key that made it), name, query, webhook."""
    for alert in _with_alerts(index_dir, cluster, lambda engine, store: store.alerts(None)):
        click.echo(f"{alert.id}\t{alert.owner}\t{alert.name}\t{alert.search.get('q') or ''}\t{alert.webhook_url}")


@alerts_group.command("show")
@click.argument("alert_id")
@index_option
@backend_options
def alerts_show(alert_id, index_dir, cluster) -> None:
    """An alert as JSON (its secret left out)."""
    click.echo(_show_alert(_with_alerts(index_dir, cluster, lambda engine, store: store.get(alert_id, None))))


@alerts_group.command("change")
@click.argument("alert_id")
@click.option("--name", help="A new name.")
@click.option("--query", "q", help="A new query.")
@index_option
@backend_options
@_alert_options
def alerts_change(alert_id, index_dir, cluster, **options) -> None:
    """Change the options given of an alert; prints it as JSON."""
    from .alerts.match import check_search
    from .http.alerts import changed_alert, changed_body
    from .http.models import AlertIn

    changes = _alert_body(options)

    def change(engine, store):
        alert = store.get(alert_id, None)
        spec = AlertIn.parse(changed_body(alert, changes))
        search = spec.search()
        check_search(engine, search)
        return store.update(changed_alert(alert, spec, search))

    click.echo(_show_alert(_with_alerts(index_dir, cluster, change)))


@alerts_group.command("delete")
@click.argument("alert_id")
@index_option
@backend_options
def alerts_delete(alert_id, index_dir, cluster) -> None:
    """Delete an alert and its undelivered deliveries."""
    _with_alerts(index_dir, cluster, lambda engine, store: store.delete(alert_id, None))
    click.echo(f"deleted alert {alert_id}", err=True)


@alerts_group.command("deliveries")
@click.argument("alert_id")
@index_option
@backend_options
def alerts_deliveries(alert_id, index_dir, cluster) -> None:
    """An alert's delivery log, newest first: id, status, attempts, articles."""

    def log(engine, store):
        store.get(alert_id, None)
        return store.deliveries(alert_id)

    for d in _with_alerts(index_dir, cluster, log):
        ids = ", ".join(a["id"] for a in d.articles)
        click.echo(f"{d.id}\t{d.status}\t{d.attempts}\t{ids}" + (f"\t{d.last_error}" if d.last_error else ""))


def main() -> None:
    cli()

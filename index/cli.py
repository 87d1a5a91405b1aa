"""``berita`` commands that build and inspect the index (a thin face on the library)."""

from __future__ import annotations

import json
import os
import sys
import time
from functools import partial
from itertools import chain

import click
from tqdm import tqdm

from . import acronyms
from .opensearch.target import DEFAULT_INDEX, ClusterTarget, ClusterUnavailable
from .readers import Note, Problem, count_records, read_paths, sample_path
from .stats import index_stats
from .store import IndexMissing, StaleAnalysis, resolve_index_dir
from .writer import DEFAULT_BATCH, DiskFull, IndexBusy, Indexer, delete_articles, upgrade_segments

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Index directory [default: $BERITA_INDEX or ./var/index].",
)


BACKENDS = ("whoosh", "opensearch")


def backend_options(command):
    """``--backend``, ``--opensearch-url`` (repeatable) and ``--opensearch-index``;
    the command receives them as one ``cluster`` (None: the Whoosh index)."""

    def chosen(ctx: click.Context, param: click.Parameter, value) -> ClusterTarget | None:
        backend, urls, name = ctx.params.pop("backend", "whoosh"), ctx.params.pop("opensearch_urls", ()), value
        if backend != "opensearch":
            if urls:
                raise click.BadParameter("--opensearch-url needs --backend opensearch", param_hint="--opensearch-url")
            return None
        try:
            return ClusterTarget(tuple(urls) or ("http://127.0.0.1:9200",), name)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--opensearch-url") from None

    command = click.option(
        "--opensearch-index",
        "cluster",
        default=DEFAULT_INDEX,
        show_default=True,
        metavar="NAME",
        callback=chosen,
        help="With --backend opensearch: the index (an alias) to use.",
    )(command)
    command = click.option(
        "--opensearch-url",
        "opensearch_urls",
        multiple=True,
        metavar="URL",
        is_eager=True,
        help="With --backend opensearch: a node of the cluster (repeatable) [default: http://127.0.0.1:9200].",
    )(command)
    return click.option(
        "--backend",
        type=click.Choice(BACKENDS),
        default="whoosh",
        show_default=True,
        is_eager=True,
        help="Where articles are indexed and searched: the Whoosh index directory, or an OpenSearch cluster.",
    )(command)


def _cluster_writer(cluster: ClusterTarget, shards: int = 1, replicas: int = 0):
    from .opensearch.writer import ClusterWriter

    return ClusterWriter(cluster, shards=shards, replicas=replicas)


def _report_problem(bar: tqdm, problem: Problem) -> None:
    """A problem (or note) on stderr above the progress bar; a problem counts as read."""
    bar.update(0 if isinstance(problem, Note) else 1)
    tqdm.write(_describe(problem), file=sys.stderr)


def _describe(problem: Problem) -> str:
    return f"{'note' if isinstance(problem, Note) else 'error'}: {problem}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="berita", prog_name="berita")
def cli() -> None:
    """Berita: full-text search for Indonesian news."""


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option("--sample", is_flag=True, help="Also index the sample articles bundled with Berita.")
@click.option("--source", default=None, help="Source name for portal pages (they carry none).")
@click.option(
    "--procs",
    type=click.IntRange(1, 64),
    default=min(2, os.cpu_count() or 1),
    show_default=True,
    help="Worker processes writing segments.",
)
@click.option(
    "--batch-size", type=click.IntRange(1), default=DEFAULT_BATCH, show_default=True, help="Articles per commit."
)
@click.option(
    "--upgrade",
    is_flag=True,
    help="Rewrite the segments written before their postings stood in the sidecar alone, so queries read them "
    "mapped and they keep each posting once.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="With --backend opensearch: analyse every stored article again into a new index, then switch the alias.",
)
@click.option(
    "--opensearch-shards",
    "shards",
    type=click.IntRange(1, 1024),
    default=1,
    show_default=True,
    help="With --backend opensearch: primary shards of an index made now (or by --rebuild).",
)
@click.option(
    "--opensearch-replicas",
    "replicas",
    type=click.IntRange(0, 16),
    default=0,
    show_default=True,
    help="With --backend opensearch: replicas of each shard of an index made now (or by --rebuild).",
)
@backend_options
def index_command(
    paths, index_dir, sample, source, procs, batch_size, upgrade, rebuild, shards, replicas, cluster
) -> None:
    """Index articles from JSON Lines files (optionally .gz), portal pages and
    directories of them. Re-running is safe: unchanged articles are skipped,
    changed ones replaced."""
    if rebuild:
        _rebuild(cluster, paths or sample, shards, replicas)
        return
    if not paths and not sample and not upgrade:
        raise click.UsageError("give at least one PATH (or --sample, or --upgrade)")
    if cluster is not None and upgrade:
        raise click.UsageError("--upgrade rewrites Whoosh segments; it has no meaning with --backend opensearch")
    directory = resolve_index_dir(index_dir) if cluster is None else None
    if upgrade and not paths and not sample:
        _upgrade(directory)
        return
    on_terminal = sys.stderr.isatty()
    counted = list(paths) + ([sample_path()] if sample else [])
    bar = tqdm(
        total=count_records(counted) if on_terminal else None,
        unit="doc",
        disable=not on_terminal,
        dynamic_ncols=True,
        smoothing=0.1,
    )
    started = time.perf_counter()
    try:
        # The bundled sample's portal pages are the portal's own: source "Berita".
        items = chain(
            read_paths(paths, source=source), read_paths([sample_path()], source=source or "Berita") if sample else ()
        )
        writer = (
            _cluster_writer(cluster, shards, replicas)
            if directory is None
            else Indexer(directory, procs=procs, batch_size=batch_size)
        )
        report = writer.ingest(
            items,
            on_article=lambda _: bar.update(1),
            on_problem=partial(_report_problem, bar),
        )
    except StaleAnalysis as exc:
        bar.close()
        raise click.ClickException(str(exc)) from None
    except IndexBusy as exc:
        bar.close()
        _busy(exc)
    except ClusterUnavailable as exc:
        bar.close()
        click.echo(f"error: {exc}; articles written before it stay written, run the same command again", err=True)
        sys.exit(1)
    except DiskFull as exc:
        bar.close()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        bar.close()
        click.echo("interrupted: the index keeps its last commit; run the same command again to finish", err=True)
        sys.exit(130)
    bar.close()
    seconds = time.perf_counter() - started
    rate = report.seen / seconds if seconds else 0.0
    click.echo(
        f"{report.seen:,} article{'' if report.seen == 1 else 's'} in {seconds:.1f} s ({rate:,.0f} docs/s): "
        f"{report.added:,} added, {report.updated:,} updated, {report.unchanged:,} unchanged; "
        f"index {directory if cluster is None else _where(cluster)}"
    )
    if report.duplicates:
        shown = ", ".join(report.duplicates[:5]) + (
            f" (+{len(report.duplicates) - 5} more)" if len(report.duplicates) > 5 else ""
        )
        click.echo(
            f"note: {len(report.duplicates):,} id{'' if len(report.duplicates) == 1 else 's'} came more than once; "
            f"the later record was kept: {shown}",
            err=True,
        )
    if report.problems:
        click.echo(f"{skipped_summary(report.problems)} because of errors (listed above)", err=True)
        sys.exit(1)


def _rebuild(cluster: ClusterTarget | None, more: object, shards: int, replicas: int) -> None:
    """``berita index --backend opensearch --rebuild``: zero-downtime re-analysis behind the alias."""
    from .opensearch.writer import CountMismatch

    if cluster is None:
        raise click.UsageError(
            "--rebuild rebuilds a cluster index: give --backend opensearch (a Whoosh index is "
            "rebuilt by indexing into a new directory)"
        )
    if more:
        raise click.UsageError("--rebuild reads the articles the cluster stores; give no PATH or --sample with it")
    started = time.perf_counter()
    try:
        old, new, count = _cluster_writer(cluster, shards, replicas).rebuild()
    except (ClusterUnavailable, CountMismatch) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{count:,} articles analysed again into {new} in {time.perf_counter() - started:.1f} s; "
        f"{cluster.index} now points to it ({old} deleted)"
    )


def _where(cluster: ClusterTarget) -> str:
    return f"{cluster.index} on {', '.join(cluster.urls)}"


def _upgrade(directory) -> None:
    started = time.perf_counter()
    try:
        segments, documents = upgrade_segments(directory)
    except IndexMissing as exc:
        raise click.ClickException(str(exc)) from None
    except IndexBusy as exc:
        _busy(exc)
    except DiskFull as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if not segments:
        click.echo(f"every segment already keeps its postings in its sidecar alone; index {directory}")
        return
    click.echo(
        f"{segments:,} segment{'' if segments == 1 else 's'} ({documents:,} articles) rewritten with their "
        f"postings in the sidecar alone in {time.perf_counter() - started:.1f} s; index {directory}"
    )


def skipped_summary(problems) -> str:
    """ "1 file and 2 records skipped": a whole-file problem (a missing path,
    a binary file; line 0) is no record."""
    files = sum(1 for p in problems if not p.line)
    records = len(problems) - files
    said = [f"{n:,} {noun}{'' if n == 1 else 's'}" for n, noun in ((files, "file"), (records, "record")) if n]
    return " and ".join(said) + " skipped"


def _busy(exc: IndexBusy) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


@cli.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--source", default=None, help="Source name for portal pages.")
def parse_command(paths, source) -> None:
    """Print the articles PATHS hold as JSON Lines, without indexing."""
    problems = 0
    for item in read_paths(paths, source=source):
        if isinstance(item, Problem):
            problems += not isinstance(item, Note)
            click.echo(_describe(item), err=True)
        else:
            click.echo(json.dumps(item.to_record(), ensure_ascii=False))
    if problems:
        click.echo(f"{problems:,} record{'' if problems == 1 else 's'} could not be parsed", err=True)
        sys.exit(1)


@cli.command("delete")
@click.argument("ids", nargs=-1, required=True)
@index_option
@backend_options
def delete_command(ids, index_dir, cluster) -> None:
    """Remove articles by id."""
    try:
        if cluster is None:
            deleted, missing = delete_articles(resolve_index_dir(index_dir), ids)
        else:
            deleted, missing = _cluster_writer(cluster).delete(ids)
    except (IndexMissing, DiskFull, ClusterUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    except IndexBusy as exc:
        _busy(exc)
    click.echo(f"deleted {len(deleted)} article{'' if len(deleted) == 1 else 's'}")
    for article_id in missing:
        click.echo(f"error: no article with id {article_id!r}", err=True)
    if missing:
        sys.exit(1)


@cli.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--acronyms", "acronyms", is_flag=True, help="The acronyms and long forms learned from the articles.")
@click.option("--rebuild", is_flag=True, help="With --acronyms: learn them again from every stored article first.")
@backend_options
def stats_command(index_dir, as_json, acronyms, rebuild, cluster) -> None:
    """Documents, date range, sources and categories of the index."""
    if cluster is not None:
        _cluster_stats(cluster, as_json, acronyms)
        return
    try:
        directory = resolve_index_dir(index_dir)
        if acronyms:
            _acronyms(directory, as_json, rebuild)
            return
        stats = index_stats(directory)
    except IndexMissing as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"index        {stats['index']}")
    click.echo(f"documents    {stats['documents']:,}")
    click.echo(f"published    {stats['first_published']} .. {stats['last_published']}")
    click.echo(
        f"size         {stats['size_bytes'] / 1e6:,.1f} MB in {stats['segments']} segment(s), "
        f"{stats['segments_mapped']} with postings sidecars"
    )
    click.echo("sources      " + ", ".join(f"{k} {v:,}" for k, v in stats["sources"].items()))
    top = list(stats["categories"].items())[:10]
    more = len(stats["categories"]) - len(top)
    click.echo("categories   " + ", ".join(f"{k} {v:,}" for k, v in top) + (f" (+{more} more)" if more else ""))
    click.echo(
        f"stem rules   {stats['stem_rules']}"
        + (f" (STALE: {stats['stale_analysis']})" if stats["stale_analysis"] else " (current)")
    )


def _cluster_stats(cluster: ClusterTarget, as_json: bool, acronyms: bool) -> None:
    """``berita stats --backend opensearch``: what the alias points to and holds."""
    if acronyms:
        raise click.UsageError("learned acronyms live beside a Whoosh index; the OpenSearch backend has none yet")
    try:
        stats = _cluster_writer(cluster).stats()
    except ClusterUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"index        {stats['index']} -> {stats['alias_of']} on {', '.join(stats['nodes'])}")
    click.echo(f"documents    {stats['documents']:,}")
    click.echo(f"published    {stats['first_published']} .. {stats['last_published']}")
    click.echo(f"size         {stats['size_bytes'] / 1e6:,.1f} MB (primaries)")
    click.echo("sources      " + ", ".join(f"{k} {v:,}" for k, v in stats["sources"].items()))
    top = list(stats["categories"].items())[:10]
    more = len(stats["categories"]) - len(top)
    click.echo("categories   " + ", ".join(f"{k} {v:,}" for k, v in top) + (f" (+{more} more)" if more else ""))
    click.echo(
        f"stem rules   {stats['stem_rules']}"
        + (f" (STALE: {stats['stale_analysis']})" if stats["stale_analysis"] else " (current)")
    )


def _acronyms(directory, as_json: bool, rebuild: bool) -> None:
    """The learned acronym table (``berita stats --acronyms``)."""
    if rebuild:
        read = acronyms.rebuild(directory)
        click.echo(f"learned again from {read:,} articles", err=True)
    table = acronyms.AcronymStore(directory).table()
    if as_json:
        rows = [
            {"acronym": a.acronym, "long_form": a.long_form, "articles": a.articles, "share": round(a.share, 3)}
            for a in table
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{len(table):,} acronyms (in {acronyms.MIN_ARTICLES}+ articles, "
        f"{acronyms.MIN_SHARE:.0%}+ of those defining it with this long form)"
    )
    for a in table:
        click.echo(f"{a.acronym:<12} {a.articles:>5}  {a.share:>4.0%}  {a.long_form}")

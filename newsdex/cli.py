"""The ``newsdex`` command line: a thin translation of options into library calls."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from newsdex import __version__
from newsdex.config import ENGINES, ConfigError, DataDir

F = TypeVar("F", bound=Callable[..., Any])
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
TAG = re.compile(r"<[^>]+>")


# -- shared options -------------------------------------------------------------------------
def data_dir_option(func: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="NEWSDEX_DATA",
        show_envvar=True,
        help="Data directory holding the store and indexes [default: ./newsdex-data].",
    )(func)


def engine_option(func: F) -> F:
    return click.option(
        "--engine",
        type=click.Choice(ENGINES, case_sensitive=False),
        envvar="NEWSDEX_ENGINE",
        show_envvar=True,
        help="Search engine [default: the one the index was built with, else whoosh].",
    )(func)


def ingest_options(func: F) -> F:
    """Options shared by ``ingest`` and ``rebuild --from``."""
    options = [
        click.option("--outlet", help="Outlet name for every article of this run (overrides what is found)."),
        click.option("--date", "date_", metavar="YYYY-MM-DD", help="Publication date for every article of this run."),
        click.option("--map", "column_map", multiple=True, metavar="FIELD=COLUMN", help="Dataset column for a field."),
        click.option(
            "--aliases",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Extra alias table (TOML) for actors and locations.",
        ),
        click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Extraction processes."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _data(data_dir: Path | None) -> DataDir:
    return DataDir.resolve(data_dir)


def _engine_name(data: DataDir, engine: str | None) -> str:
    try:
        return data.engine_name(engine)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def _service(data_dir: Path | None, engine: str | None) -> Iterator[Any]:
    from index.manager import open_engine
    from newsdex.extraction import facet_canonicaliser
    from newsdex.store import DocumentStore
    from search.service import SearchService

    data = _data(data_dir)
    if not data.exists():
        raise click.ClickException(f"no newsdex data in {data.root}: run 'newsdex ingest PATH' first")
    name = _engine_name(data, engine)
    try:
        engine_obj = open_engine(data, name)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    with DocumentStore(data.store_path, readonly=True) as store, engine_obj:
        yield SearchService(store, engine_obj, canonicalise=facet_canonicaliser(data))


def _overrides(outlet: str | None, date_: str | None) -> Any:
    from extract.dates import parse_date
    from newsdex.extraction import Overrides

    parsed = None
    if date_:
        parsed = parse_date(date_)
        if parsed is None:
            raise click.BadParameter(f"not a date: {date_!r}", param_hint="--date")
    return Overrides(outlet=outlet, date=parsed)


def _column_map(pairs: tuple[str, ...]) -> Any:
    from newsdex.extraction import column_map_from_options

    try:
        return column_map_from_options(pairs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from exc


def _jobs(jobs: int | None) -> int:
    return jobs or max(1, min(4, os.cpu_count() or 1))


@contextmanager
def _progress(label: str, length: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, tests)."""
    stream = sys.stderr
    if not stream.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=length, label=label, file=stream, show_pos=True) as bar:
        yield bar.update


def _ingest_settings(
    data: DataDir,
    outlet: str | None,
    date_: str | None,
    column_map: tuple[str, ...],
    aliases: tuple[Path, ...],
    jobs: int | None,
) -> dict[str, Any]:
    """The pipeline keywords that the shared ingest options stand for."""
    from newsdex.extraction import alias_files

    return {
        "overrides": _overrides(outlet, date_),
        "column_map": _column_map(column_map),
        "alias_files": alias_files(data.user_aliases, aliases),
        "jobs": _jobs(jobs),
        "on_error": _report_error,
    }


def _report_error(error: Any) -> None:
    click.echo(f"skipped {error.origin}: {error.reason}", err=True)


# -- the group ---------------------------------------------------------------------------------
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsdex")
def cli() -> None:
    """newsdex: ingest news articles, then search them by text, outlet, date, actor and place."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@data_dir_option
@engine_option
@ingest_options
def ingest(
    paths: tuple[Path, ...],
    data_dir: Path | None,
    engine: str | None,
    outlet: str | None,
    date_: str | None,
    column_map: tuple[str, ...],
    aliases: tuple[Path, ...],
    jobs: int | None,
) -> None:
    """Add or update articles from PATHS (.txt, .html, .csv, .jsonl, or folders of them)."""
    from index.manager import IndexOutdatedError
    from newsdex.pipeline import ingest as run_ingest

    data = _data(data_dir)
    name = _engine_name(data, engine)
    with _progress("Ingesting") as progress:
        settings = _ingest_settings(data, outlet, date_, column_map, aliases, jobs)
        try:
            report = run_ingest(list(paths), data, engine_name=name, on_progress=progress, **settings)
        except IndexOutdatedError as exc:  # raised before anything is stored
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{report.summary()} → {data.root} ({name})", err=True)
    if report.added + report.updated + report.unchanged == 0 and report.errors:
        raise click.ClickException("nothing could be ingested")


@cli.command()
@click.option(
    "--from",
    "sources",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Rebuild the store too, from these sources only (deterministic; for CI).",
)
@data_dir_option
@engine_option
@ingest_options
def rebuild(
    sources: tuple[Path, ...],
    data_dir: Path | None,
    engine: str | None,
    outlet: str | None,
    date_: str | None,
    column_map: tuple[str, ...],
    aliases: tuple[Path, ...],
    jobs: int | None,
) -> None:
    """Recreate the index from the document store (or store and index from --from sources)."""
    from index.manager import rebuild as rebuild_index
    from newsdex.pipeline import rebuild_from_sources
    from newsdex.store import DocumentStore

    data = _data(data_dir)
    name = _engine_name(data, engine)
    if sources:
        with _progress("Rebuilding") as progress:
            settings = _ingest_settings(data, outlet, date_, column_map, aliases, jobs)
            report = rebuild_from_sources(list(sources), data, engine_name=name, on_progress=progress, **settings)
        click.echo(f"{report.summary()}; indexed {report.indexed} → {data.root} ({name})", err=True)
        return
    if not data.exists():
        raise click.ClickException(f"no document store in {data.root}: use 'newsdex rebuild --from PATH'")
    with DocumentStore(data.store_path) as store, _progress("Indexing", store.count()) as progress:
        count = rebuild_index(store, data, name, progress)
    click.echo(f"indexed {count} articles → {data.root} ({name})", err=True)


def _plain(html: str, *, terminal: bool) -> str:
    """Snippet HTML for a terminal: matches in bold, or **like this** when piped."""
    import html as htmllib

    marked = MARK.sub(lambda m: click.style(m.group(1), bold=True) if terminal else f"**{m.group(1)}**", html)
    return htmllib.unescape(TAG.sub("", marked))


def _plain_text(html: str) -> str:
    import html as htmllib

    return htmllib.unescape(TAG.sub("", html))


@cli.command()
@click.argument("text", nargs=-1)
@click.option("--outlet", multiple=True, help="Only these outlets (repeat for OR).")
@click.option("--actor", multiple=True, help="Only articles naming these actors (repeat for OR).")
@click.option("--location", multiple=True, help="Only articles naming these places (repeat for OR).")
@click.option("--month", multiple=True, metavar="YYYY-MM", help="Only these months (repeat for OR).")
@click.option("--since", metavar="DATE", help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Published on or before.")
@click.option("--sort", type=click.Choice(["relevance", "date", "newest", "oldest"]), default="relevance")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1, 10_000), default=1, show_default=True)
@click.option("--facets/--no-facets", default=False, help="Show facet counts (always in JSON).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@data_dir_option
@engine_option
def query(
    text: tuple[str, ...],
    outlet: tuple[str, ...],
    actor: tuple[str, ...],
    location: tuple[str, ...],
    month: tuple[str, ...],
    since: str | None,
    until: str | None,
    sort: str,
    limit: int,
    page: int,
    facets: bool,
    fmt: str,
    data_dir: Path | None,
    engine: str | None,
) -> None:
    """Search: words, "phrases", AND/OR/NOT, field:value, date:2017-09..2017-10."""
    from search.query import QuerySyntaxError
    from search.request import SearchQuery

    params: dict[str, Any] = {
        "q": " ".join(text),
        "outlet": list(outlet),
        "actor": list(actor),
        "location": list(location),
        "month": list(month),
        "since": since,
        "until": until,
        "sort": sort,
        "page": str(page),
        "per_page": str(limit),
    }
    try:
        search_query = SearchQuery.from_params({k: v for k, v in params.items() if v is not None})
        with _service(data_dir, engine) as service:
            result = service.search(search_query, facets=facets or fmt == "json")
    except QuerySyntaxError as exc:
        raise click.UsageError(f"bad query: {exc}") from exc
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "title", "outlet", "date", "date_provenance", "url", "score", "snippet"])
        for hit in result.hits:
            row = hit.to_json()
            writer.writerow(
                [
                    row["id"],
                    row["title"],
                    row["outlet"] or "",
                    row["date"] or "",
                    row["date_provenance"],
                    row["url"] or "",
                    row["score"],
                    _plain_text(hit.snippet_html),
                ]
            )
        click.echo(buffer.getvalue(), nl=False)
    else:
        _print_table(result, facets)


def _print_table(result: Any, facets: bool) -> None:
    from search.service import date_label

    terminal = sys.stdout.isatty()
    first = result.query.offset + 1
    last = result.query.offset + len(result.hits)
    shown = f"{first}–{last} of {result.total}" if result.hits else f"0 of {result.total}"
    click.echo(f"{shown} hits (page {result.query.page}/{result.pages}, {result.took_ms:.0f} ms, {result.engine})")
    for n, hit in enumerate(result.hits, start=first):
        a = hit.article
        click.echo("")
        click.echo(f"{n}. {_plain(hit.title_html, terminal=terminal)}")
        click.echo(f"   {a.outlet or 'outlet unknown'} · {date_label(a.date.value, a.date.provenance)} · {a.id}")
        click.echo(f"   {_plain(hit.snippet_html, terminal=terminal)}")
    if facets:
        for facet, counts in result.facets.items():
            if not counts:
                continue
            click.echo("")
            click.echo(f"{facet}:")
            for c in counts[:10]:
                click.echo(f"  {c.count:>6}  {c.value}{'  ✓' if c.selected else ''}")


@cli.command()
@click.argument("article_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@data_dir_option
@engine_option
def show(article_id: str, fmt: str, data_dir: Path | None, engine: str | None) -> None:
    """Show one article (the id, or a unique prefix of at least 4 characters)."""
    with _service(data_dir, engine) as service:
        article = service.article(article_id)
    if article is None:
        raise click.ClickException(f"no article with id {article_id!r}")
    if fmt == "json":
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2, default=str))
        return
    from search.service import date_label

    click.echo(click.style(article.title, bold=True) if sys.stdout.isatty() else article.title)
    click.echo(
        f"{article.outlet or 'outlet unknown'} · {date_label(article.date.value, article.date.provenance)}"
        f"{' via ' + article.date.source if article.date.source else ''}"
    )
    if article.url:
        click.echo(article.url)
    click.echo(f"source: {article.source}")
    click.echo(f"actors: {', '.join(article.actors) or '—'}")
    click.echo(f"locations: {', '.join(article.locations) or '—'}")
    click.echo(f"id: {article.id} · extractor: {article.extractor}")
    click.echo("")
    click.echo(article.text)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@data_dir_option
@engine_option
def stats(fmt: str, data_dir: Path | None, engine: str | None) -> None:
    """What the data directory holds: articles, outlets, dates, and whether the index is in step."""
    from index.manager import open_engine
    from newsdex.store import DocumentStore

    data = _data(data_dir)
    if not data.exists():
        raise click.ClickException(f"no newsdex data in {data.root}: run 'newsdex ingest PATH' first")
    name = _engine_name(data, engine)
    with DocumentStore(data.store_path, readonly=True) as store:
        info: dict[str, Any] = {
            "data_dir": str(data.root),
            "articles": store.count(),
            "unindexed": store.count(unindexed_only=True),
            "outlets": dict(store.value_counts("outlet")),
            "date_provenance": dict(store.value_counts("date_provenance")),
            "date_span": list(store.date_span()),
            "extractors": dict(store.value_counts("extractor")),
            "engine": name,
        }
    try:
        with open_engine(data, name) as engine_obj:
            info["indexed"] = engine_obj.doc_count()
    except FileNotFoundError:
        info["indexed"] = None
    info["in_sync"] = info["indexed"] == info["articles"] and not info["unindexed"]
    if fmt == "json":
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"data directory: {info['data_dir']}")
    click.echo(
        f"articles: {info['articles']} (index: {info['indexed'] if info['indexed'] is not None else 'none'}, "
        f"engine {name}{'' if info['in_sync'] else ', OUT OF STEP: run newsdex rebuild'})"
    )
    span = info["date_span"]
    click.echo(
        f"dates: {span[0] or '?'} … {span[1] or '?'}; "
        + ", ".join(f"{k} {v}" for k, v in info["date_provenance"].items())
    )
    click.echo(f"outlets ({len(info['outlets'])}):")
    for outlet, count in list(info["outlets"].items())[:20]:
        click.echo(f"  {count:>6}  {outlet}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 exposes it).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug", is_flag=True, help="Flask debug mode (reloader, tracebacks). Never on a shared host.")
@data_dir_option
@engine_option
def serve(host: str, port: int, debug: bool, data_dir: Path | None, engine: str | None) -> None:
    """Serve the search web UI and JSON API."""
    from index.manager import open_engine
    from webui import create_app

    data = _data(data_dir)
    if not data.exists():
        raise click.ClickException(f"no newsdex data in {data.root}: run 'newsdex ingest PATH' first")
    name = _engine_name(data, engine)
    try:  # fail here, not on the first request, when the index is missing or outdated
        open_engine(data, name).close()
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    app = create_app({"DATA_DIR": str(data.root), "ENGINE": name})
    click.echo(f"newsdex serving {data.root} on http://{host}:{port}/", err=True)
    app.run(host=host, port=port, debug=debug, use_reloader=debug)


@cli.command()
@click.option("--reapply", is_flag=True, help="Re-normalise every article's stored mentions with the current tables.")
@click.option("--unknown", is_flag=True, help="List frequent names the alias table does not know.")
@click.option("--min-count", default=3, show_default=True, help="With --unknown: how often a name must occur.")
@click.option("--limit", default=50, show_default=True, help="With --unknown: how many names to list.")
@click.option(
    "--aliases",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra alias table (TOML) on top of the built-in one and the data directory's aliases.toml.",
)
@data_dir_option
@engine_option
def entities(
    reapply: bool,
    unknown: bool,
    min_count: int,
    limit: int,
    aliases: tuple[Path, ...],
    data_dir: Path | None,
    engine: str | None,
) -> None:
    """Curate actors and locations: re-apply an edited alias table, or find names it lacks."""
    from extract.entities import default_extractor
    from index.manager import open_or_create_engine, sync
    from newsdex.extraction import alias_files
    from newsdex.store import DocumentStore

    if reapply == unknown:
        raise click.UsageError("choose one of --reapply or --unknown")
    data = _data(data_dir)
    if not data.exists():
        raise click.ClickException(f"no newsdex data in {data.root}: run 'newsdex ingest PATH' first")
    extractor = default_extractor(alias_files(data.user_aliases, aliases))
    if unknown:
        with DocumentStore(data.store_path, readonly=True) as store:
            names = extractor.unknown_names((a.text for a in store.iter_articles()), min_count=min_count)
        for name, count in names[:limit]:
            click.echo(f"{count:>6}  {name}")
        return
    changed = 0
    with DocumentStore(data.store_path) as store:
        with store.transaction():
            for article in list(store.iter_articles()):
                found = extractor.renormalise(article.mentions)
                if store.update_entities(article.id, found.actors, found.locations, found.mentions):
                    changed += 1
        with open_or_create_engine(data, _engine_name(data, engine)) as engine_obj:
            indexed = sync(store, engine_obj)
    click.echo(f"{changed} articles changed; {indexed} re-indexed", err=True)


def main() -> None:
    cli(prog_name="newsdex")


if __name__ == "__main__":
    main()

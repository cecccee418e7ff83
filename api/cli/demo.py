"""``berkas demo``: Kanim Malang's 2024 year, or the national one, generated through the domain, then reported."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from time import perf_counter

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from api.bootstrap import System
from api.cli.common import console_admin, system
from api.cli.ledger import announce_key, checkpoint_or_refuse
from api.cli.serve import run_server
from api.demo import resume
from api.demo.calendar import YEAR
from api.demo.run import DEFAULT_SEED, OFFICE, demo_present, generate, generate_national, recording_days
from domain.errors import InvalidCommand
from domain.usecases import users
from projections import runner
from projections.eventstore import log, sql
from projections.privacy.legacy import plaintext_events
from projections.reports import annual_report, render_table
from projections.runner.pages import catch_up_page, register

app = typer.Typer(help="Generate Kantor Imigrasi Malang's 2024 year (or the national one) and print its annual report.")
out = Console()
err = Console(stderr=True, soft_wrap=True)
PAGE = 5000


def _generate(built: System, seed: int, scale: Fraction | None) -> int:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[events]:>9,} events"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out) as progress:
        task = progress.add_task(f"{YEAR}", total=recording_days(), events=0)

        def on_day(day, written):
            progress.update(task, advance=1, description=f"recorded {day:%d %b %Y}", events=written)

        if scale is not None:
            return generate_national(built.app, seed, scale, on_day)
        before = resume.begin(built.store, OFFICE, YEAR, seed)
        stored = resume.stored_versions(built.store) if before is not None else {}
        if stored:
            out.print(f"an interrupted demo is finished: {len(stored):,} cases and accounts are kept as they are")
        if not stored:
            written = generate(built.app, seed, on_day)
        else:
            first = built.app.recorder.max_notification_id() or 0
            generate(resume.SkipStored(built.app, stored), seed, on_day)
            written = (built.app.recorder.max_notification_id() or 0) - first
        resume.complete(built.store, OFFICE, YEAR)
        return written


def _catch_up(built: System) -> None:
    """Bring every view to the end of the log, a page at a time, showing how far."""
    projections = built.projections()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f} %"),
        TimeElapsedColumn(),
    )
    with sql.connection(built.store) as conn, Progress(*columns, console=out, transient=True) as bar:
        register(conn, projections)
        last = log.readable_upto(conn)
        task = bar.add_task("views catching up", total=last or 1)
        done = False
        while not done:
            _, done = catch_up_page(conn, projections, PAGE)
            at = min(runner.positions(built.store).get(p.name, 0) for p in projections)
            bar.update(task, completed=min(at, last))


def _scale(text: str) -> Fraction:
    try:
        scale = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InvalidCommand("--scale", f"{text!r} is not a number") from None
    if not 0 < scale <= 1:
        raise InvalidCommand("--scale", "must be more than 0 and at most 1")
    return scale


def _holds_plaintext(built: System) -> bool:
    """Whether the store was written before per-subject encryption: the demo then generates
    it again, sealed, in a fresh SQLite file. A PostgreSQL database is left to its owner."""
    if not plaintext_events(built.store):
        return False
    if built.store.database_url is not None:
        raise InvalidCommand(
            "BERKAS_DATABASE_URL", "holds personal data in plaintext (written before per-subject encryption): "
            "run the demo into a new database",
        )  # fmt: skip
    return True


def _set_aside(store_file: Path) -> Path:
    aside = store_file.with_name(store_file.name + ".plaintext")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{store_file}{suffix}")
        if source.exists():
            source.rename(Path(f"{aside}{suffix}"))
    return aside


def _accounts_for_trying(built: System) -> dict[str, str]:
    """Fresh demo accounts (tokens are shown once and only their hashes are kept)."""
    admin = console_admin(OFFICE)
    return {
        role: users.register(built.app, admin, f"demo {role.lower()}", role, OFFICE)[1]
        for role in ("AUDITOR", "SUPERVISOR", "OFFICER")
    }


def _print_how_to_try(tokens: dict[str, str], host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    out.print(f"\nAPI docs: {base}/docs", soft_wrap=True)
    out.print(f"web interface: {base}/ui/ (paste a token below)", soft_wrap=True)
    out.print(f"the demo year in it: {base}/ui/reports?year={YEAR}&office={OFFICE}", soft_wrap=True)
    for role, token in tokens.items():
        out.print(f"{role.lower():<10} token: {token}", soft_wrap=True)
    bearer = f'-H "Authorization: Bearer {tokens["AUDITOR"]}"'
    out.print(f'try: curl {bearer} "{base}/reports/annual/{YEAR}?office={OFFICE}"', soft_wrap=True)
    out.print(f'     curl {bearer} "{base}/audit/decisions?reason=PMI_NONPROCEDURAL&limit=3"', soft_wrap=True)


@app.callback(invoke_without_command=True)
def demo(
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Same seed, same cases, same ids"),
    national: bool = typer.Option(False, "--national", help="Every office, Malang's figures scaled by population"),
    scale: str = typer.Option("1", "--scale", help="With --national: this share of the national year, e.g. 0.1"),
    serve: bool = typer.Option(False, "--serve", help="Then serve the API, printing demo accounts' tokens"),
) -> None:
    """Write every case of the year through the domain's commands (Malang: about half a
    million events; national: about 35 million times --scale), bring the views up to date
    and print the annual report (national: the sum of every office). Safe to repeat: a
    store that already holds a demo year is left as it is; an SQLite store written before
    per-subject encryption is moved aside (``<file>.plaintext``) and generated again, sealed."""
    started = perf_counter()
    share = _scale(scale) if national else None
    with system() as built:
        plaintext, store_file = _holds_plaintext(built), built.store.sqlite_path
    if plaintext:
        aside = _set_aside(store_file)
        out.print(f"the store held personal data in plaintext: moved to {aside}; generating it sealed", soft_wrap=True)
    with system() as built:
        where = built.store.describe()
        announce_key(built)
        run = resume.recorded_run(built.store, OFFICE, YEAR)
        # A run with a marker is there once the marker says complete (written last); a year
        # without one (national, or from before markers) once Malang's revenue target is.
        if run.completed if run is not None else demo_present(built.app):
            already = f"{where} already holds a {YEAR} demo year: nothing generated"
            out.print(already, soft_wrap=True)
        else:
            try:
                written = _generate(built, seed, share)
            except resume.SeedMismatch as error:
                err.print(f"berkas: {error}", markup=False, highlight=False)
                raise typer.Exit(2) from None
            out.print(f"wrote {written:,} events to {where} in {perf_counter() - started:.1f} s", soft_wrap=True)
        # With the ledger key: each office day is checkpointed and signed as it closes,
        # and the last one on demand, so that the whole year is under a signature.
        _catch_up(built)
        checkpoint_or_refuse(built, built.ensure_ledger_key()[0])
        shown = None if national else OFFICE
        out.print(render_table(annual_report(built.store, YEAR, office=shown, current=False)))
        tokens = _accounts_for_trying(built) if serve else {}
        settings = built.settings
    # Unwrapped, so the suggested command can be copied whole.
    out.print(f"berkas demo took {perf_counter() - started:.1f} s", soft_wrap=True)
    out.print(
        f"entries made late, after the New Year break: berkas report annual {YEAR} --office {OFFICE} "
        f"--as-known-at {YEAR + 1}-01-05",
        soft_wrap=True,
    )
    if serve:
        _print_how_to_try(tokens, settings.host, settings.port)
        run_server(settings.host, settings.port)

"""``berkas subjects``: data subjects (subjek data pribadi): find, hold (a person or one
case), erase, export, due.

Subjects are named by their id only; nothing here prints a name or a NIK."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import typer
from rich.console import Console

from api import privacy
from api.cli.common import acting_user, office_code, system
from domain.application import Berkas
from domain.errors import InvalidCommand
from domain.reference import office as lookup_office
from domain.subject import HOLDERS
from domain.values import Role
from projections.runner import catch_up

app = typer.Typer(help="Data subjects: search, legal hold, erasure, subject access.", no_args_is_help=True)
out = Console(soft_wrap=True)
warn = Console(stderr=True, soft_wrap=True)

SubjectArg = typer.Argument(..., help="The data subject's id (from `berkas subjects find`)", metavar="subject")
AsOpt = typer.Option(
    ..., "--as", help="The acting user's account id (berkas users list): the role and office are the account's"
)
OfficeOpt = typer.Option(
    None, "--office", help="Optional check: refused unless it is the account's office", callback=office_code
)
BasisOpt = typer.Option(..., "--legal-basis", help="e.g. Pasal 8 UU 27/2022")
ErasureReasonOpt = typer.Option(..., "--reason", help="e.g. SUBJECT_REQUEST, RETENTION_ENDED, COURT_ORDER")
HolderRoleOpt = typer.Option(
    None, "--role", help="Optional check: refused unless it is the account's role (an AUDITOR's or a SUPERVISOR's)"
)
HoldReasonOpt = typer.Option(..., "--reason", help="LITIGATION, AUDIT, INVESTIGATION or COURT_ORDER")


def _id(value: str, field: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidCommand(field, f"must be {what}") from None


def _subject(value: str) -> UUID:
    return _id(value, "subject_id", "a subject id (32 hex digits)")


def _case(value: str) -> UUID:
    return _id(value, "case_id", "a case id (a UUID)")


NIK = re.compile(r"[0-9]{16}")
ASKED = "-"  # a personal value typed at a hidden prompt, or read from a line of stdin


def _personal(value: str | None, option: str, label: str) -> str | None:
    """A value given as ``-`` is asked for (hidden) on a terminal, or read from stdin, one line
    each, in the order of the options. Given on the command line it still works, but the
    command line is visible to other users (``ps``, /proc) and kept in shell history: warned
    about on stderr, without the value."""
    if value is None:
        return None
    if value != ASKED:
        caution = f"berkas: warning: {option} on the command line is visible to other users of this machine"
        warn.print(f"{caution} and kept in shell history; give {option} - to type or pipe it", markup=False)
        return value
    if sys.stdin.isatty():
        return typer.prompt(label, hide_input=True, err=True)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line.strip():
        raise InvalidCommand(option.removeprefix("--").replace("-", "_"), "expected on a line of stdin")
    return line


@app.command("find")
def find(
    nik: str = typer.Option(None, "--nik", help="NIK, exact; - to type it (hidden) or pipe it"),
    passport_number: str = typer.Option(
        None, "--passport-number", help="Passport or permit number, exact; - to type it (hidden) or pipe it"
    ),
    name: str = typer.Option(None, "--name", help="Full name (case, accents and spacing do not count); - as for --nik"),
) -> None:
    """Find subjects and their cases through blind indexes; an erased subject is not found."""
    nik = _personal(nik, "--nik", "NIK")
    if nik is not None and not NIK.fullmatch(nik):  # as POST /cases/search; never echoed
        raise InvalidCommand("nik", "must be 16 digits")
    passport_number = _personal(passport_number, "--passport-number", "Passport or permit number")
    name = _personal(name, "--name", "Full name")
    with system() as built:
        subjects, cases = privacy.search(built, nik, passport_number, name)
    for subject in sorted(subjects):
        out.print(f"subject {subject}")
    for case in sorted(cases):
        out.print(f"case {case}")
    if not subjects:
        out.print("no subject found")


def _hold_commands(
    held: str,
    suffix: str,
    argument: Any,
    parse: Callable[[str], UUID],
    place: Callable[..., object],
    release: Callable[..., object],
    helps: tuple[str, str],
) -> None:
    """``hold<suffix>`` and ``release<suffix>``: a legal hold on a subject or on one case has
    the same holders, options and answers; only what is held (``held``) differs."""

    @app.command(f"hold{suffix}", help=helps[0])
    def hold(
        target: str = argument,
        reason: str = HoldReasonOpt,
        legal_basis: str = BasisOpt,
        user: str = AsOpt,
        role: str | None = HolderRoleOpt,
        office: str | None = OfficeOpt,
    ) -> None:
        held_id = parse(target)
        with system() as built:
            actor = acting_user(built, user, HOLDERS, "place a legal hold", office, role)
            place(built.app, actor, held_id, reason, legal_basis)
        out.print(f"{held} {target} is under a legal hold")

    @app.command(f"release{suffix}", help=helps[1])
    def lift(
        target: str = argument,
        legal_basis: str = BasisOpt,
        user: str = AsOpt,
        role: str | None = HolderRoleOpt,
        office: str | None = OfficeOpt,
    ) -> None:
        held_id = parse(target)
        with system() as built:
            actor = acting_user(built, user, HOLDERS, "release a legal hold", office, role)
            release(built.app, actor, held_id, legal_basis)
        out.print(f"{held} {target}: legal hold released")


_hold_commands(
    "subject",
    "",
    SubjectArg,
    _subject,
    Berkas.place_legal_hold,
    Berkas.release_legal_hold,
    (
        "Place a legal hold: nothing about the subject may be erased until it is released "
        "(--as: an auditor's account, or a supervisor's of an office holding one of the subject's cases).",
        "Release the subject's legal hold (--as: an auditor's or such a supervisor's account).",
    ),
)
_hold_commands(
    "case",
    "-case",
    typer.Argument(..., help="The case's id", metavar="case"),
    _case,
    Berkas.place_case_hold,
    Berkas.release_case_hold,
    (
        "Place a legal hold on one case: nobody whose data it holds may be erased until it is released "
        "(--as: an auditor's account, or the case's office's supervisor's).",
        "Release a case's legal hold (--as: an auditor's account, or the case's office's supervisor's).",
    ),
)


@app.command("approve-erasure")
def approve_erasure(
    subject: str = SubjectArg,
    reason: str = ErasureReasonOpt,
    legal_basis: str = BasisOpt,
    user: str = AsOpt,
    office: str | None = OfficeOpt,
) -> None:
    """A supervisor of an office holding one of the subject's cases approves the erasure
    (--as: the supervisor's account)."""
    subject_id = _subject(subject)
    with system() as built:
        actor = acting_user(built, user, (Role.SUPERVISOR,), "approve an erasure", office)
        built.app.approve_erasure(actor, subject_id, reason, legal_basis)
    out.print(f"erasure of subject {subject} approved")


@app.command("erase")
def erase(
    subject: str = SubjectArg,
    reason: str = ErasureReasonOpt,
    legal_basis: str = BasisOpt,
    user: str = AsOpt,
    office: str | None = OfficeOpt,
) -> None:
    """An admin erases an approved subject: the data key is destroyed, the erasure recorded.
    Refused under a legal hold, with an open case, or within the retention period
    (--as: the admin's account)."""
    subject_id = _subject(subject)
    with system() as built:
        actor = acting_user(built, user, (Role.ADMIN,), "erase a data subject", office)
        built.app.erase_subject(actor, subject_id, reason, legal_basis, privacy.retention(built))
    out.print(f"subject {subject} erased: its personal data now reads <erased>")


@app.command("export")
def export(
    subject: str = SubjectArg,
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the export (JSON)"),
    user: str = AsOpt,
    role: str | None = typer.Option(
        None, "--role", help="Optional check: refused unless it is the account's role (a SUPERVISOR's or an ADMIN's)"
    ),
    office: str | None = OfficeOpt,
) -> None:
    """Subject access: every case and event about the subject, opened, as JSON; recorded
    (--as: the account of a supervisor or an admin of an office holding one of its cases)."""
    if not output.parent.is_dir():
        raise InvalidCommand("output", f"folder {output.parent} does not exist")
    subject_id = _subject(subject)
    with system() as built:
        actor = acting_user(built, user, (Role.SUPERVISOR, Role.ADMIN), "export a data subject's data", office, role)
        document = privacy.export_document(built, actor, subject_id)
    output.write_text(json.dumps(document, ensure_ascii=False, indent=1))
    out.print(f"subject {subject}: {len(document['cases'])} cases written to {output}")


@app.command("due")
def due(
    office: str | None = typer.Option(
        None, "--office", help="Only subjects with a case in this office (e.g. DPS)", callback=office_code
    ),
) -> None:
    """Subjects whose retention has ended (every case closed long enough, no legal hold)."""
    if office is not None:
        lookup_office(office)
    with system() as built:
        catch_up(built.store, built.projections())
        found = privacy.due(built, office=office)
    for row in found:
        out.print(f"{row['subject_id']}  {row['cases']} cases, last closed {row['last_closed_at']:%Y-%m-%d}")
    out.print(f"{len(found)} subjects due for erasure (retention {built.settings.retention_days} days)")

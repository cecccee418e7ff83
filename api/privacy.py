"""What the CLI and the HTTP API share about data subjects: search, the access export and
the list of subjects due for erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from api.bootstrap import System
from api.http.present import case_public, event_public
from domain.errors import InvalidCommand
from domain.usecases.base import Actor
from domain.usecases.subjects import CLOSED_STATUSES
from projections.eventstore import sql
from projections.eventstore.store import VAULT_TABLES
from projections.privacy.vault import LINKS
from projections.views.case_index import TABLE as CASE_INDEX
from projections.views.timefmt import from_utc_text, utc_text

SUBJECTS = VAULT_TABLES[0]


def retention(system: System) -> timedelta:
    return timedelta(days=system.settings.retention_days)


def search(system: System, nik: str | None, passport_number: str | None, name: str | None) -> tuple[set[str], set[str]]:
    """Subjects and cases that every given value finds (exact, normalised; blind indexes only)."""
    given = [(kind, value) for kind, value in (("nik", nik), ("document", passport_number), ("name", name)) if value]
    if not given:
        raise InvalidCommand("nik", "give a NIK, a passport or permit number, or a name")
    subjects: set[str] | None = None
    cases: set[str] | None = None
    for kind, value in given:
        found = system.vault.find(kind, value)
        found_subjects = {subject for subject, _ in found}
        found_cases = {case for _, case in found if case} | {
            str(case) for subject, case_id in found if not case_id for case in system.vault.cases_of(subject)
        }
        subjects = found_subjects if subjects is None else subjects & found_subjects
        cases = found_cases if cases is None else cases & found_cases
    return subjects or set(), cases or set()


def export_document(system: System, actor: Actor, subject_id: UUID) -> dict[str, Any]:
    """Hak akses: every case and event about the subject, opened, as JSON (erased fields
    read ``<erased>``); the request itself is recorded on the subject first."""
    export = system.app.export_subject(actor, subject_id)
    subject = export.subject
    return {
        "subject_id": subject_id.hex,
        "exported_at": datetime.now(UTC).isoformat(),
        "exported_by": actor.id,
        "erased": bool(subject and subject.erased),
        "legal_hold": subject.hold.value if subject and subject.hold else None,
        "cases": [
            case_public(case, reveal=True).model_dump(mode="json")
            | {"history": [event_public(e, reveal=True).model_dump(mode="json") for e in export.events[case.id]]}
            for case in export.cases
        ],
    }


def due(system: System, now: datetime | None = None, office: str | None = None) -> list[dict[str, Any]]:
    """Subjects whose cases are all closed (per the case index) and whose retention has run
    out; those under a legal hold are left out; with ``office``, only subjects with a case
    there (those its admin may erase). Bring the case index up to date first."""
    cutoff = utc_text((now or datetime.now(UTC)) - retention(system))
    closed = " OR ".join(
        f"(c.kind = '{kind}' AND c.status IN ({', '.join(repr(s) for s in sorted(statuses))}))"
        for kind, statuses in CLOSED_STATUSES.items()
    )
    with system.store.read() as conn:
        if not sql.table_exists(conn, CASE_INDEX):
            return []
        rows = sql.fetchall(
            conn,
            f"SELECT l.subject_id, count(*), max(c.last_occurred_at) FROM ({LINKS}) l "
            f"JOIN {SUBJECTS} s ON s.subject_id = l.subject_id AND s.erased_at IS NULL "
            f"JOIN {CASE_INDEX} c ON c.case_id = l.case_id "
            f"GROUP BY l.subject_id HAVING sum(CASE WHEN {closed} THEN 0 ELSE 1 END) = 0 "
            "AND max(c.last_occurred_at) <= ? "
            + ("AND sum(CASE WHEN c.office = ? THEN 1 ELSE 0 END) > 0 " if office else "")
            + "ORDER BY 3, 1",
            [cutoff, office] if office else [cutoff],
        )
    found = []
    for subject_id, cases, last_closed in rows:
        subject = system.app.get_subject(UUID(subject_id))
        if subject is not None and subject.hold is not None:
            continue
        if system.app.held_cases(system.vault.cases_of(subject_id)):
            continue
        found.append({"subject_id": subject_id, "cases": cases, "last_closed_at": from_utc_text(last_closed)})
    return found

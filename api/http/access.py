"""Who may do what, in one place: roles and office scope (wewenang dan wilayah kerja).

Commands are checked by the domain alone, from the lifecycle tables (role and office
before state, so a 403 never reveals a case's state); this module covers reads, lists,
reports and accounts, which the domain does not see.
"""

from __future__ import annotations

from domain.errors import NotPermitted
from domain.reference import office as lookup_office
from domain.usecases.base import Actor
from domain.values import Role

CASE_WORKERS = (Role.OFFICER, Role.SUPERVISOR)


def require_worker(actor: Actor, *, decision: bool = False) -> None:
    """Commands: officers and supervisors; decisions: supervisors only."""
    if actor.role not in CASE_WORKERS:
        raise NotPermitted(f"{_article(actor.role)} cannot act on cases")
    if decision and actor.role is not Role.SUPERVISOR:
        raise NotPermitted("only a supervisor may decide")


def require_own_office(actor: Actor, office: str) -> None:
    if actor.office != office:
        raise NotPermitted(f"the case belongs to office {office}, not {actor.office}")


def require_case_reader(actor: Actor, office: str) -> None:
    """Auditors read every office; officers and supervisors their own; admins no cases."""
    if actor.role is Role.AUDITOR:
        return
    if actor.role in CASE_WORKERS:
        require_own_office(actor, office)
        return
    raise NotPermitted("an admin manages accounts, not cases")


def reveals_personal_data(actor: Actor, office: str) -> bool:
    """Data minimisation (UU 27/2022): only the office handling the subject sees who it is."""
    return actor.role in CASE_WORKERS and actor.office == office


def list_scope(actor: Actor, requested: str | None) -> str | None:
    """The office a list may cover: an auditor's choice (None = all), else the actor's own."""
    if requested is not None:
        lookup_office(requested)
    if actor.role is Role.AUDITOR:
        return requested
    if actor.role not in CASE_WORKERS:
        raise NotPermitted("an admin manages accounts, not cases")
    if requested is not None and requested != actor.office:
        raise NotPermitted(f"office {requested}'s records are for its own staff and auditors, not {actor.office}'s")
    return actor.office


def report_scope(actor: Actor, requested: str | None) -> str | None:
    """Reports and the audit trail: auditors any office or national, supervisors their own."""
    if actor.role is Role.OFFICER:
        raise NotPermitted("reports and the audit trail are for supervisors and auditors")
    return list_scope(actor, requested)


def require_account_admin(actor: Actor, office: str, role: Role | None = None) -> None:
    """Accounts: an admin manages those of their own office. National administration is
    the server operator's, through the CLI (``berkas users add``): that includes every
    auditor's account (``role``), since an auditor reads every office, so an office's admin
    may neither mint national readers nor revoke the auditor looking into the office."""
    require_role(actor, Role.ADMIN)
    lookup_office(office)  # an office that does not exist is a 422 naming the field, not a 403
    if actor.office != office:
        raise NotPermitted(f"an admin of office {actor.office} manages only that office's accounts, not {office}'s")
    if role is Role.AUDITOR:
        raise NotPermitted("auditors read every office: their accounts are the server operator's (berkas users add)")


def directory_scope(actor: Actor, requested: str | None) -> str | None:
    """The people directory: auditors any office (None = all), everyone else their own."""
    if requested is not None:
        lookup_office(requested)
    if actor.role is Role.AUDITOR:
        return requested
    if requested is not None and requested != actor.office:
        raise NotPermitted(f"the directory of office {requested} is for its own staff and auditors")
    return actor.office


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise NotPermitted(f"{_article(actor.role)} may not do this")


def _article(role: Role) -> str:
    """'an admin', 'a supervisor': the role as a refusal names it."""
    name = role.value.lower()
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"

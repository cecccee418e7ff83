"""Helpers shared by CLI commands: building the system, the acting user."""

from __future__ import annotations

import getpass
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from uuid import UUID

from rich.text import Text

from api.bootstrap import System, bootstrap
from domain.errors import InvalidCommand, NotPermitted
from domain.usecases import users
from domain.usecases.base import Actor, as_enum
from domain.values import Role

LISTED = "berkas users list shows them"


@contextmanager
def system() -> Iterator[System]:
    built = bootstrap()
    try:
        yield built
    finally:
        built.close()


def office_code(value: str | None) -> str | None:
    """An ``--office`` as typed: ``jyp`` is JYP, as ``berkas users add`` always took it."""
    return value.strip().upper() if value else value


# Characters a terminal obeys rather than shows (ESC, NUL, a line break, C1's CSI), and those
# that reorder the text after them (bidi overrides and isolates).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escaped(character: str) -> str:
    if unicodedata.category(character) == "Cc" or character in _BIDI_CONTROLS:
        return character.encode("unicode_escape").decode("ascii")
    return character


def literal(typed: str) -> Text:
    """What someone typed, as a table cell shows it: never read as rich markup (``[bold]``),
    and every control character written as its escape (``\\x1b``), so a name stored before
    the domain refused them can neither drive the operator's terminal nor disguise a row."""
    return Text("".join(_escaped(character) for character in typed))


def console_admin(office: str) -> Actor:
    """Whoever runs the CLI on the server is trusted as an administrator."""
    return Actor(f"console:{getpass.getuser()}", Role.ADMIN, office)


def _a(role: Role) -> str:
    name = role.value.lower()
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def acting_user(
    built: System,
    user_id: str,
    roles: Iterable[Role],
    what: str,
    office: str | None = None,
    role: str | None = None,
) -> Actor:
    """The registered account ``--as`` names, as a bearer token would name it to the API: a
    decision's provenance (an erasure's approval, then the erasure: four eyes) names a real
    person, never whatever was typed. Refused when the id is no live account's, or the
    account's role may not ``what`` (``roles``). The role and office are the account's;
    ``--office`` and ``--role``, when given, only cross-check them."""
    try:
        account_id = UUID(user_id)
    except ValueError:
        raise InvalidCommand("--as", f"must be an account's id, a UUID ({LISTED})") from None
    try:
        user = users.get_user(built.app, account_id)
    except users.AccountNotFound:
        raise InvalidCommand("--as", f"no account has this id ({LISTED})") from None
    if user.revoked:
        raise NotPermitted("--as: this account is revoked")
    allowed = tuple(roles)
    if user.role not in allowed:
        only = " or ".join(_a(each) for each in allowed)
        raise NotPermitted(f"--as: only {only} may {what}; this account is {_a(user.role)}'s")
    if role is not None and (claimed := as_enum(Role, role.strip().upper(), "--role")) is not user.role:
        raise NotPermitted(f"--as: this account is {_a(user.role)}'s, not {_a(claimed)}'s (--role)")
    if office is not None and office != user.office:
        raise NotPermitted(f"--as: this account is of office {user.office}, not {office} (--office)")
    return Actor(str(user.id), user.role, user.office)

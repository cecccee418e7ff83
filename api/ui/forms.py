"""Command forms built from the API's own command routes and body models.

A case page offers the commands the lifecycle table allows in the case's state for the
viewer's role; each form's fields are the body model's, and what is posted is validated
by that same model and run through the same use case as the API.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ValidationError

from api.http.commands import ROUTES, Route
from api.http.schemas.common import CommandCreate
from domain.case import Case, check_calendar
from domain.errors import InvalidCommand
from domain.usecases.base import Actor

Model = TypeVar("Model", bound=BaseModel)
BUSINESS_TIME = ("occurred_at", "late_entry_reason")  # when it happened, and why it is entered late


@dataclass(frozen=True)
class Input:
    """One form field: ``name`` is dotted for a nested model (``referral.agency``)."""

    name: str
    kind: str  # text | date | datetime | number | list | checkbox | choice
    required: bool
    choices: tuple[str, ...] = ()

    @property
    def leaf(self) -> str:
        return self.name.rpartition(".")[2]


@dataclass(frozen=True)
class Form:
    path: str
    route: Route
    supervisor_only: bool
    inputs: tuple[Input, ...]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``X | None``, and whether None was allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(inner) == 1:
            return inner[0], True
    return annotation, False


def _widget(annotation: Any) -> tuple[str, tuple[str, ...]]:
    if get_origin(annotation) is Annotated:  # a constrained type (BusinessInstant, Day, ...)
        return _widget(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "choice", tuple(str(member.value) for member in annotation)
    if get_origin(annotation) is Literal:
        return "choice", tuple(str(value) for value in get_args(annotation))
    if get_origin(annotation) is list:
        return "list", ()
    if annotation is bool:
        return "checkbox", ()
    if annotation in (datetime, AwareDatetime):
        return "datetime", ()
    if annotation is date:
        return "date", ()
    if annotation in (int, Decimal, float):
        return "number", ()
    return "text", ()


def inputs(model: type[BaseModel], prefix: str = "", required: bool = True) -> list[Input]:
    found: list[Input] = []
    for name, field in model.model_fields.items():
        annotation, optional = _unwrap(field.annotation)
        needed = required and field.is_required() and not optional
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += inputs(annotation, f"{prefix}{name}.", needed)
            continue
        kind, choices = _widget(annotation)
        found.append(Input(f"{prefix}{name}", kind, needed, choices))
    # Business time last: optional, for entries made after the fact.
    return sorted(found, key=lambda item: item.name in BUSINESS_TIME)


def forms(case: Case, actor: Actor) -> list[Form]:
    """The commands ``actor`` may run on ``case`` in its current state."""
    table = type(case).LIFECYCLE
    offered = []
    for path, route in ROUTES.get(case.KIND, {}).items():
        transition = table.command(route.command)
        if actor.role in transition.roles and case.status in transition.sources:
            offered.append(Form(path, route, transition.supervisor_only, tuple(inputs(route.body))))
    return offered


def form_of(case: Case, path: str) -> Route:
    route = ROUTES.get(case.KIND, {}).get(path)
    if route is None:
        raise InvalidCommand("command", f"{case.KIND} has no command {path!r}")
    return route


def _value(item: Input, raw: str, zone: ZoneInfo) -> Any:
    if item.kind == "list":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if item.kind == "checkbox":
        return raw == "on"
    if item.kind == "datetime":
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidCommand(item.name, "must be a date and time such as 2024-05-01T10:00") from None
        # Before the zone is added: a zone's offset in year 1 has seconds, which the model refuses
        # as "extra characters" instead of saying which years it takes.
        check_calendar(item.name, moment.date())
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()
    return raw


def body(route: Route, posted: dict[str, str], zone: ZoneInfo) -> CommandCreate:
    """The posted form as the route's body model, validated exactly as the API validates it.
    Empty optional fields are left out; a date and time without a zone is the office's."""
    data: dict[str, Any] = {}
    for item in inputs(route.body):
        raw = posted.get(item.name, "").strip()
        if not raw and item.kind != "checkbox":
            continue
        target = data
        *parents, leaf = item.name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = _value(item, raw, zone)
    return validated(route.body, data)


def validated(model: type[Model], data: dict[str, Any]) -> Model:
    """``data`` as the API's body ``model`` would take it, or the first broken rule (422)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidCommand(".".join(str(part) for part in first["loc"]) or "body", first["msg"]) from None

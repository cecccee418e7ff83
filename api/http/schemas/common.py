"""Models every resource shares: text fields, personal data, cases, errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from api.http.schemas.places import Agency, plain
from api.http.schemas.problems import ProblemPublic
from domain.case import TEXT_MAX_LENGTH, TEXT_PATTERN, check_calendar, check_text
from domain.errors import InvalidCommand
from domain.plain_text import citation_fault, document_fault
from domain.reference import office as lookup_office
from domain.usecases.passports import personal_data
from domain.values import LateEntryReason, PersonalData, Referral


def _in_domain_words(check: Callable[[Any], object]) -> Callable[[Any], Any]:
    """A domain check as a pydantic validator: the domain's rule, in its words, is the 422's
    message (pydantic names the field)."""

    def validate(value: Any) -> Any:
        try:
            check(value)
        except InvalidCommand as refused:
            raise ValueError(refused.rule) from None
        return value

    return validate


# The domain's rule for typed text (``domain.case.check_text``).
_typed = _in_domain_words(lambda value: check_text("text", value))


# What a person types into a field: the domain's rule (at most 500 characters, printable but
# for tabs and line breaks, not empty to a reader: spaces, a zero-width space or a lone
# right-to-left override alone are), checked by the domain's own code. The schema shows it.
Text = Annotated[
    str,
    AfterValidator(_typed),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": TEXT_MAX_LENGTH, "pattern": TEXT_PATTERN}),
]


_office_code = _in_domain_words(lookup_office)


# Kode kantor, in a body or a query: one of the reference data's offices, as the domain names
# them (``MLG``), refused in the domain's words rather than a pattern's. (The CLI upper-cases
# what is typed; HTTP takes the code as written.)
OfficeCode = Annotated[str, AfterValidator(_office_code)]


def _has_digit(value: str) -> str:
    if not any(ch.isdigit() for ch in value):
        raise ValueError("must be a number: at least one digit")
    return value


# A number an office or a system gives (billing code, decision, report, passport or permit
# number): letters, digits and . / _ ( ) -, no space, at least one digit. Plain in every
# auditor's view, so it takes no name (nor, the domain checks, a NIK). Reason codes are the
# domain's enums, so the schema lists them.
Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9./_()-]*$"),
    AfterValidator(_has_digit),
]
# ISO 3166-1 alpha-3: a nationality, a destination. A code, never free text: these fields are
# plain in every auditor's view, so a name typed into one would reach them all.
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Nationality = Country


# Dasar: a revenue target's budget (DIPA), a legal hold's or an erasure's basis. Plain in the
# log for ever (an erasure's outlives the person it erased): a name is refused.
DocumentBasis = Annotated[Text, plain(document_fault)]


# Dasar hukum: a decision's legal basis, an enforcement case's article. Plain, not sealed:
# an auditor must read the basis of a deportation; so free text is refused instead.
Citation = Annotated[Text, plain(citation_fault)]


# 1900 to 2100, as the domain keeps dates (``domain.case.check_calendar``): 422, never a 500.
_in_calendar = _in_domain_words(lambda value: check_calendar("date", value))


def _not_future(value: date) -> date:
    """Not after today anywhere on Earth (UTC+14), so no office's today is ever refused."""
    if value > (datetime.now(UTC) + timedelta(hours=14)).date():
        raise ValueError("must not be in the future")
    return value


def _written_out(example: str) -> BeforeValidator:
    """A date or an instant as text (RFC 3339): never a number, which pydantic would read as
    seconds since 1970 in UTC (``1000000000``, or the string of it), an offset nobody wrote."""

    def check(value: Any) -> Any:
        numeric = isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()
        if numeric or isinstance(value, int | float):
            raise ValueError(f"must be written as text, e.g. {example}")
        return value

    return BeforeValidator(check)


# Every date and instant the API accepts, in bodies and in query parameters.
Day = Annotated[date, _written_out("2024-06-30"), AfterValidator(_in_calendar)]
PastDay = Annotated[Day, AfterValidator(_not_future)]
BusinessInstant = Annotated[AwareDatetime, _written_out("2024-06-30T00:00:00+07:00"), AfterValidator(_in_calendar)]


def examples(*items: dict[str, Any]) -> ConfigDict:
    """A request model's config: examples shown in /docs (every request model has one), and
    unknown fields refused with 422, so that a misspelt field never vanishes silently."""
    return ConfigDict(json_schema_extra={"examples": list(items)}, extra="forbid")


class CommandCreate(BaseModel):
    """What every command may carry besides its own fields, which are named as the
    arguments of the aggregate's method: ``arguments()`` hands them over as domain values."""

    # Now, as most entries are; then a supervisor's late entry, long after the fact.
    model_config = examples({}, {"occurred_at": "2024-06-03T09:15:00+07:00", "late_entry_reason": "SYSTEM_OUTAGE"})

    occurred_at: BusinessInstant | None = Field(
        None,
        description="When it happened (business time, with a time zone); now when omitted. "
        "Backfilled entries keep their real dates.",
    )
    late_entry_reason: LateEntryReason | None = Field(
        None,
        description="Why an entry is recorded late: required, from a supervisor, when `occurred_at` is more than "
        "the office's late-entry days (BERKAS_LATE_ENTRY_DAYS, default 30) before now; refused otherwise. "
        "Kept on the event and shown in its history and the audit trail.",
    )

    def arguments(self) -> dict[str, Any]:
        return {name: _domain(getattr(self, name)) for name in type(self).model_fields if name not in OPTION_FIELDS}


# The fields of every command that are options of the use case, not arguments of the command.
OPTION_FIELDS = frozenset({"occurred_at", "late_entry_reason"})


def _domain(value: Any) -> Any:
    if isinstance(value, PersonalDataCreate | ReferralCreate):
        return value.to_domain()
    if isinstance(value, list):
        return tuple(_domain(item) for item in value)
    return value


class PersonalDataCreate(BaseModel):
    """Data pribadi: shown only to the office handling the case."""

    model_config = examples(
        {"name": "Siti Rahayu", "nik": "3573014512900001", "birth_date": "1990-12-05", "address": "Jl. Ijen 12, Malang"}
    )

    name: Text
    nik: Annotated[str, StringConstraints(pattern=r"^[0-9]{16}$")] = Field(description="NIK, 16 digits")
    birth_date: PastDay
    address: Text

    def to_domain(self) -> PersonalData:
        return personal_data(self.name, self.nik, self.birth_date, self.address)


class ReferralCreate(BaseModel):
    """Rujukan: the agency the applicant is sent to and what to bring."""

    model_config = examples({"agency": "BP3MI Jawa Timur", "instructions": "register as a migrant worker first"})

    agency: Agency
    instructions: Text

    def to_domain(self) -> Referral:
        return Referral(agency=self.agency, instructions=self.instructions)


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ProblemPublic, "description": "No valid bearer token"},
    403: {"model": ProblemPublic, "description": "Not allowed for this role or office"},
    404: {"model": ProblemPublic, "description": "Not found"},
    409: {"model": ProblemPublic, "description": "Illegal transition or stale version"},
    412: {
        "model": ProblemPublic,
        "description": "`If-Match` a weak ETag (it never matches), or `If-None-Match: *` (create only) "
        "and it exists already",
    },
    422: {"model": ProblemPublic, "description": "A field breaks a rule (`errors` lists every one)"},
    503: {"model": ProblemPublic, "description": "Not available here (e.g. no ledger key configured)"},
}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: `If-None-Match` named the current ETag (no body)"}
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers of a route (each `application/problem+json`)."""
    return {code: ERRORS[code] for code in codes}

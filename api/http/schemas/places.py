"""Places and institutions an officer names: a detention's place, a deportation's port, a
referral's agency, a joint operation's agencies. They stay plain, and a name is refused: the
rule is the domain's (``domain.plain_text``), checked here too so that a request breaking it
is a 422 naming the field before anything is loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from domain.plain_text import AGENCY_RULE, PLACE_RULE, PORT_RULE, agency_fault, is_blank, place_fault, port_fault


def plain(fault: Callable[[str], str | None]) -> AfterValidator:
    """The domain's rule for a plain field (``domain.plain_text``) as a validator: the rule a
    value breaks is the 422's detail, naming the rule, never the value."""

    def check(value: str) -> str:
        if is_blank(value):
            raise ValueError("must not be empty")
        if (rule := fault(value)) is not None:
            raise ValueError(rule)
        return value

    return AfterValidator(check)


_Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
# Tempat detensi: a detention house (Rudenim) or an office's detention room.
DetentionPlace = Annotated[_Name, plain(place_fault), Field(description="M" + PLACE_RULE[1:])]
# Tempat pemeriksaan imigrasi the foreigner leaves by: a code or the port's name.
Port = Annotated[_Name, plain(port_fault), Field(description="M" + PORT_RULE[1:])]
# Instansi: a referral's agency, a joint operation's agencies.
Agency = Annotated[_Name, plain(agency_fault), Field(description="M" + AGENCY_RULE[1:])]

"""Places and institutions an officer names: a detention's place, a deportation's port, a
referral's agency, a joint operation's agencies. They stay plain, and a name is refused: the
rule is the domain's (``domain.plain_text``), checked here too so that a request breaking it
is a 422 naming the field before anything is loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from domain.plain_text import AGENCY_RULE, PLACE_RULE, PORT_RULE, is_port, named_by_words


def _checked(rule: str, taken: Callable[[str], bool]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if taken(value):
            return value
        raise ValueError(rule)

    return check


_Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
# Tempat detensi: a detention house (Rudenim) or an office's detention room.
DetentionPlace = Annotated[
    _Name, AfterValidator(_checked(PLACE_RULE, named_by_words)), Field(description="M" + PLACE_RULE[1:])
]
# Tempat pemeriksaan imigrasi the foreigner leaves by: a code or the port's name.
Port = Annotated[_Name, AfterValidator(_checked(PORT_RULE, is_port)), Field(description="M" + PORT_RULE[1:])]
# Instansi: a referral's agency, a joint operation's agencies.
Agency = Annotated[
    _Name, AfterValidator(_checked(AGENCY_RULE, named_by_words)), Field(description="M" + AGENCY_RULE[1:])
]

"""``case_public`` takes shortcuts (values JSON-ready as they are skip the type checks; each
model's field sources are listed once): its answers must be byte for byte what the plain
way gave, for every kind, in every state the builders reach, with and without personal data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from api.http import present
from api.http.schemas.cases import CASE_MODELS, SOURCES
from domain.case import Case
from tests.builders import Clock, enforcement_case, joint_operation, passport, stay_permit


def reference(case: Case, reveal: bool) -> Any:
    """``case_public`` as it was before the shortcuts (its own copy of ``plain``)."""

    def plain(value: Any) -> Any:
        if isinstance(value, present.PersonalData | present.PersonalNote):
            if not reveal:
                return None
            fields = (f.name for f in present.dataclasses.fields(value) if f.name != "subject_id")
            return {name: plain(getattr(value, name)) for name in fields}
        if isinstance(value, present.Enum):
            return value.value
        if isinstance(value, present.Decimal):
            return int(value)
        if isinstance(value, present.datetime):
            return present.local(value, case.office)
        if isinstance(value, present.UUID):
            return str(value)
        if present.dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: attribute(getattr(value, f.name)) for f in present.dataclasses.fields(value)}
        if isinstance(value, list | tuple | set | frozenset):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        return value

    def attribute(value: Any) -> Any:
        if isinstance(value, present.PersonalNote):
            return value.text if reveal else None
        return plain(value)

    model = CASE_MODELS[case.KIND]
    values = {
        name: attribute(getattr(case, SOURCES.get(name, name)))
        for name in model.model_fields
        if name not in ("kind", "id", "version") and hasattr(case, SOURCES.get(name, name))
    }
    return model.model_validate({**values, "kind": case.KIND, "id": case.id, "version": case.version})


def cases() -> list[Case]:
    clock = Clock()
    steps = ("SUBMITTED", "PAID", "BIOMETRICS", "INTERVIEWED", "APPROVED", "ISSUED", "HANDED_OVER")
    found: list[Case] = [passport(clock, until) for until in (*steps, "POSTPONED", "REFUSED")]
    found += [stay_permit(clock, until) for until in ("APPLIED", "PAID", "ISSUED")]
    found += [enforcement_case(clock, until) for until in ("OPENED", "EXAMINED", "ACTION_IMPOSED")]
    found += [joint_operation(clock, until) for until in ("PLANNED", "EXECUTED")]
    return found


@pytest.mark.parametrize("reveal", [True, False])
def test_case_public_gives_the_very_bytes_of_the_plain_way(reveal: bool):
    every = cases()
    assert {case.KIND for case in every} == set(CASE_MODELS)
    for case in every:
        adapter = TypeAdapter(CASE_MODELS[case.KIND])
        expected = adapter.dump_json(reference(case, reveal), by_alias=True)
        assert adapter.dump_json(present.case_public(case, reveal), by_alias=True) == expected
        assert (
            present.case_public(case, reveal).model_dump_json().encode()
            == reference(case, reveal).model_dump_json().encode()
        )


def test_values_of_a_type_deriving_from_a_plain_one_still_go_the_whole_way():
    class Code(str, present.Enum):
        A = "a-value"

    assert present.plain(Code.A, True, "MLG") == "a-value"
    assert present.plain([Code.A, 3, None, "x"], True, "MLG") == ["a-value", 3, None, "x"]

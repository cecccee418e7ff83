"""Supervision and enforcement of 2024: TIMPORA operations and the cases they and
others opened, with the administrative actions (TAK) decided on them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from api.demo import people
from api.demo.calendar import YEAR, Calendar
from api.demo.engine import Deferred, Script, Step
from api.demo.site import MALANG, Site
from domain.enforcement import EnforcementCase
from domain.joint_operation import JointOperation
from domain.reference import tariff_on
from domain.values import AdministrativeAction, CaseSource, EnforcementReason, ObjectionOutcome

A = AdministrativeAction
R = EnforcementReason
EC = EnforcementCase

# Pasal 75 ayat (2) UU 6/2011: the letter of each action.
ACTION_BASIS = {
    A.LISTED_PREVENTION_DETERRENCE: "a",
    A.PERMIT_RESTRICTED_OR_CANCELLED: "b",
    A.BANNED_FROM_PLACE: "c",
    A.ORDERED_TO_RESIDE: "d",
    A.CHARGE: "e",
    A.DEPORTATION: "f",
}


@dataclass(frozen=True)
class CaseKind:
    actions: tuple[AdministrativeAction, ...]
    count: int
    source: CaseSource  # when not found by a joint operation
    reason_code: EnforcementReason | None  # none when nothing is proven: no action
    violation: str
    article: str


CASE_KINDS = (
    CaseKind(
        (A.DEPORTATION, A.LISTED_PREVENTION_DETERRENCE),
        9,
        CaseSource.FIELD_SUPERVISION,
        R.OVERSTAY_OVER_60_DAYS,
        "tinggal melebihi izin lebih dari 60 hari",
        "Pasal 78 ayat (3) UU 6/2011",
    ),
    CaseKind(
        (A.DEPORTATION,),
        6,
        CaseSource.PUBLIC_REPORT,
        R.WORK_WITHOUT_PERMIT,
        "bekerja dengan izin tinggal kunjungan",
        "Pasal 75 ayat (1) UU 6/2011",
    ),
    CaseKind(
        (A.CHARGE, A.LISTED_PREVENTION_DETERRENCE),
        2,
        CaseSource.COUNTER,
        R.OVERSTAY_REPEATED,
        "tinggal melebihi izin, berulang",
        "Pasal 78 ayat (1) UU 6/2011",
    ),
    CaseKind(
        (A.CHARGE,),
        9,
        CaseSource.COUNTER,
        R.OVERSTAY_UNDER_60_DAYS,
        "tinggal melebihi izin kurang dari 60 hari",
        "Pasal 78 ayat (1) UU 6/2011",
    ),
    CaseKind(
        (A.PERMIT_RESTRICTED_OR_CANCELLED,),
        9,
        CaseSource.FIELD_SUPERVISION,
        R.PERMIT_MISUSE,
        "kegiatan tidak sesuai izin tinggal",
        "Pasal 75 ayat (1) UU 6/2011",
    ),
    CaseKind(
        (A.ORDERED_TO_RESIDE,),
        4,
        CaseSource.REFERRAL,
        R.ADDRESS_NOT_REPORTED,
        "perubahan alamat tidak dilaporkan",
        "Pasal 71 UU 6/2011",
    ),
    CaseKind(
        (A.BANNED_FROM_PLACE,),
        3,
        CaseSource.PUBLIC_REPORT,
        R.PUBLIC_ORDER,
        "mengganggu ketertiban di kawasan wisata",
        "Pasal 75 ayat (1) UU 6/2011",
    ),
    CaseKind(
        (),
        4,
        CaseSource.FIELD_SUPERVISION,
        None,  # not proven
        "dugaan pelanggaran izin tinggal",
        "Pasal 75 ayat (1) UU 6/2011",
    ),
)
ACTIONS = sum(len(kind.actions) * kind.count for kind in CASE_KINDS)
DEPORTATIONS = sum(kind.count for kind in CASE_KINDS if A.DEPORTATION in kind.actions)

# TIMPORA: month, area, persons checked, findings (each opens an enforcement case).
OPERATIONS = (
    (2, "Kota Batu: vila dan penginapan", 64, 2),
    (3, "Kawasan Industri PIER, Kabupaten Pasuruan", 120, 3),
    (5, "Kampus dan indekos, Kota Malang", 85, 1),
    (6, "Kawasan Bromo, Kabupaten Probolinggo", 47, 2),
    (7, "Pelabuhan dan pabrik, Kota Probolinggo", 58, 0),
    (8, "Tempat hiburan, Kota Malang", 73, 3),
    (10, "Perkebunan dan pabrik, Kabupaten Malang", 66, 1),
    (11, "Kota Pasuruan", 52, 2),
)
AGENCIES = ("Polres Malang Kota", "Kodim 0833", "Satpol PP", "Disnaker", "Bakesbangpol", "BIN Daerah Jawa Timur")
OTHER_AGENCIES = ("Polres", "Kodim", "Satpol PP", "Disnaker", "Bakesbangpol", "BIN Daerah")
PORT = "Bandara Internasional Juanda, Surabaya"
OTHER_PORT = "Bandara Internasional Soekarno-Hatta, Tangerang"


@dataclass(frozen=True)
class Operation:
    seq: int
    area: str
    persons_checked: int
    planned: datetime
    executed: datetime


def _operations(site: Site, calendar: Calendar) -> list[Operation]:
    rng = site.rng("timpora")
    found = []
    for seq, (month, area, checked, _) in enumerate(OPERATIONS[: site.count(len(OPERATIONS))]):
        if site.code != MALANG:
            area = f"Wilayah kerja {site.office.name}"
        day = rng.choice([d for d in calendar.days if d.month == month and d.day > 7])
        executed = calendar.at(day, rng.randint(60, 300))
        planned = calendar.at(calendar.shift(day, -rng.randint(5, 10)), rng.randint(0, 420))
        found.append(Operation(seq, area, checked, planned, executed))
    return found


def operation_script(site: Site, op: Operation, held: dict[int, JointOperation], calendar: Calendar) -> Script:
    """Planned, executed, closed with a report; findings are recorded by the cases they open."""
    rng = site.rng("timpora", op.seq)
    officer = rng.choice(site.officers)
    agencies = (site.office.name, *rng.sample(AGENCIES if site.code == MALANG else OTHER_AGENCIES, 4))
    ident = site.case_id("timpora", op.seq)
    held[op.seq] = yield Step(op.planned, officer, lambda p: JointOperation.plan(ident, p, agencies, op.area))
    operation = held[op.seq]
    yield Step(op.executed, officer, lambda p: operation.execute(p, (op.area,), op.persons_checked) or operation)
    t = calendar.later(op.executed, rng, rng.randint(3, 7), (0, 420))
    yield Step(t, officer, lambda p: operation.close(p, f"Laporan TIMPORA {op.seq + 1}/{YEAR}") or operation)


def case_script(
    site: Site,
    seq: int,
    kind: CaseKind,
    opened: datetime,
    op: Operation | None,
    held: dict[int, JointOperation],
    calendar: Calendar,
    objection: bool,
) -> Script:
    """Opened, examined (BAP), actions decided by a supervisor, carried out, closed;
    with ``objection``, the subject objects (keberatan) and the objection is rejected."""
    rng = site.rng("enforcement", seq)
    officer, supervisor = rng.choice(site.officers), rng.choice(site.supervisors)
    nationality = rng.choice(people.NATIONALITY_DRAW)
    subject = people.foreigner(rng, nationality, opened.date(), site.regency_draw)
    ident = site.case_id("enforcement", seq)
    if op is None:
        case = yield Step(
            opened,
            officer,
            lambda p: EC.open(ident, p, kind.source, None, subject, nationality, kind.violation, kind.article),
        )
    else:

        def found(p):
            operation = held[op.seq]
            operation.record_finding(p, ident, kind.violation, subject)
            return EC.open(
                ident, p, CaseSource.JOINT_OPERATION, operation.id, subject, nationality, kind.violation, kind.article
            ), operation

        case, _ = yield Step(opened, officer, found)
    deporting = A.DEPORTATION in kind.actions
    t = calendar.later(opened, rng, rng.randint(0, 2), (0, 300))
    yield Step(t, officer, lambda p: case.examine(p, f"BAP/{site.code}/{YEAR}/{seq + 1:03d}") or case)
    if deporting:
        t = calendar.later(t, rng, 0, (10, 60))
        yield Step(
            t, officer, lambda p: case.detain(p, f"Ruang Detensi {site.office.name}", "menunggu pendeportasian") or case
        )
    t = calendar.later(t, rng, rng.randint(1, 5), (0, 420))
    for n, action in enumerate(kind.actions):
        t = calendar.later(t, rng, 0, (1, 20))
        decision = f"TAK/{site.code}/{YEAR}/{seq + 1:03d}-{n + 1}"
        basis = f"Pasal 75 ayat (2) huruf {ACTION_BASIS[action]} UU 6/2011"
        yield Step(
            t,
            supervisor,
            lambda p, a=action, d=decision, b=basis: case.impose_action(p, a, d, kind.reason_code, b) or case,
        )
    if A.CHARGE in kind.actions:
        amount = tariff_on(t.date()).amounts["OVERSTAY_PER_DAY"] * rng.randint(3, 45)
        t = calendar.later(t, rng, 0, (5, 30))
        yield Step(t, officer, lambda p: case.assess_charge(p, amount) or case)
        t = calendar.later(t, rng, rng.randint(0, 2), (10, 240))
        yield Step(t, officer, lambda p: case.pay_charge(p, f"9{YEAR}{seq:010d}", amount) or case)
    if objection:
        t = calendar.later(t, rng, 1, (0, 300))
        yield Step(t, officer, lambda p: case.file_objection(p, "keberatan atas pendeportasian") or case)
        t = calendar.later(t, rng, rng.randint(3, 7), (0, 300))
        yield Step(
            t, supervisor, lambda p: case.decide_objection(p, ObjectionOutcome.REJECTED, "Pasal 77 UU 6/2011") or case
        )
    if deporting:
        t = calendar.later(t, rng, rng.randint(3, 12), (0, 420))
        port = PORT if site.code == MALANG else OTHER_PORT
        yield Step(t, officer, lambda p: case.deport(p, port) or case)
    t = calendar.later(t, rng, rng.randint(0, 2), (0, 420))
    outcome = "dideportasi" if deporting else ("tidak terbukti" if not kind.actions else "tindakan dilaksanakan")
    yield Step(t, officer, lambda p: case.close(p, outcome) or case)


def enforcement_scripts(site: Site, calendar: Calendar) -> Iterator[Deferred]:
    """The operations and every enforcement case; findings go to cases drawn for the seed."""
    rng = site.rng("enforcement")
    operations = _operations(site, calendar)
    held: dict[int, JointOperation] = {}
    kinds = [kind for kind in CASE_KINDS for _ in range(site.count(kind.count))]
    rng.shuffle(kinds)
    finders = [op for op, (*_, findings) in zip(operations, OPERATIONS, strict=False) for _ in range(findings)]
    before_december = [d for d in calendar.days if d < date(YEAR, 12, 1)]
    for op in operations:
        yield Deferred(op.planned, partial(operation_script, site, op, held, calendar))
    objected = False
    for seq, kind in enumerate(kinds):
        op = finders[seq] if seq < len(finders) else None
        if op is not None:
            opened = calendar.later(op.executed, rng, 0, (30, 180))
        else:
            opened = calendar.at(rng.choice(before_december), rng.randint(0, 360))
        objection = A.DEPORTATION in kind.actions and not objected
        objected = objected or objection
        yield Deferred(opened, partial(case_script, site, seq, kind, opened, op, held, calendar, objection))

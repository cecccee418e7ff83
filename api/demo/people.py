"""Made-up personal data for the demo: Indonesian applicants and foreigners in an office's area.

Names are drawn from common given names, NIKs follow the Dukcapil layout (regency code,
district, birth date with +40 on the day for women, serial), addresses name a real
regency with invented streets. No real person is meant; none of it is ever printed.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from api.demo.engine import weighted
from domain.offices import OFFICES
from domain.values import PersonalData

# Regencies and cities served by Kanim Malang, with their share of applicants.
MALANG_REGENCY_SHARES = {"3507": 30, "3573": 22, "3514": 14, "3513": 12, "3579": 8, "3575": 7, "3574": 7}
# Every regency an office serves, by code: where an address is.
PLACES = {j.regency_code: j.regency_name for office in OFFICES.values() for j in office.jurisdiction}

_MEN = "Agus Bambang Budi Dwi Eko Fajar Hadi Imam Joko Rizki Slamet Sugeng Teguh Wahyu Yusuf Ahmad Arif".split()
_WOMEN = "Sri Siti Dewi Endang Indah Lestari Nur Putri Rina Sulastri Tri Wulan Yuni Ayu Fitri Anisa Dian Umi".split()
_SECOND = (
    "Prasetyo Santoso Wijaya Hidayat Susanto Rahayu Lestari Kurniawan Setiawan Purnomo Handayani Wulandari "
    "Saputra Nugroho Maulana Fauziah Hasanah Utomo"
).split()
_STREETS = (
    "Jl. Ijen",
    "Jl. Soekarno-Hatta",
    "Jl. Veteran",
    "Jl. Diponegoro",
    "Jl. Raya Tlogomas",
    "Jl. Kawi",
    "Jl. Semeru",
    "Jl. Pahlawan",
    "Jl. Raya Lawang",
    "Dusun Krajan",
    "Jl. Raya Bromo",
    "Jl. Brantas",
)

# Foreigners by nationality (ISO alpha-3), with given and family names to draw from.
_FOREIGN = {
    "CHN": (("Wei", "Li", "Jun", "Mei", "Hao"), ("Wang", "Zhang", "Liu", "Chen", "Yang")),
    "KOR": (("Min-jun", "Ji-woo", "Seo-yeon", "Hyun"), ("Kim", "Lee", "Park", "Choi")),
    "JPN": (("Haruto", "Yui", "Sota", "Aoi"), ("Sato", "Suzuki", "Takahashi", "Tanaka")),
    "AUS": (("Jack", "Olivia", "Liam", "Charlotte"), ("Smith", "Jones", "Williams", "Brown")),
    "NLD": (("Daan", "Emma", "Sem", "Julia"), ("de Jong", "Jansen", "de Vries", "Bakker")),
    "USA": (("James", "Emily", "Michael", "Sarah"), ("Johnson", "Miller", "Davis", "Wilson")),
    "MYS": (("Ahmad", "Nurul", "Hafiz", "Aisyah"), ("bin Ismail", "binti Yusof", "bin Hassan", "binti Omar")),
    "IND": (("Arjun", "Priya", "Rahul", "Ananya"), ("Sharma", "Patel", "Singh", "Kumar")),
    "DEU": (("Lukas", "Anna", "Felix", "Lea"), ("Muller", "Schmidt", "Schneider", "Fischer")),
    "TLS": (("Joao", "Maria", "Jose", "Ana"), ("da Costa", "Soares", "Pereira", "Guterres")),
}
NATIONALITY_DRAW = weighted(dict(zip(_FOREIGN, (22, 12, 9, 10, 8, 7, 9, 7, 6, 10), strict=True)))


def _nik(rng: Random, regency_code: str, birth_date: date, woman: bool) -> str:
    district = rng.randint(1, 33)
    day = birth_date.day + (40 if woman else 0)
    serial = rng.randint(1, 9999)
    return f"{regency_code}{district:02d}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


def _birth_date(rng: Random, today: date, youngest: int, oldest: int) -> date:
    return today - timedelta(days=rng.randint(youngest * 365, oldest * 365))


def applicant(rng: Random, regency_code: str, today: date, youngest: int = 1, oldest: int = 75) -> PersonalData:
    """An Indonesian applicant living in ``regency_code``."""
    woman = rng.random() < 0.5
    name = f"{rng.choice(_WOMEN if woman else _MEN)} {rng.choice(_SECOND)}"
    born = _birth_date(rng, today, youngest, oldest)
    place = PLACES[regency_code]
    street = f"{rng.choice(_STREETS)} No. {rng.randint(1, 250)}"
    address = f"{street}, RT {rng.randint(1, 12):02d}/RW {rng.randint(1, 9):02d}, {place}"
    return PersonalData(name=name, nik=_nik(rng, regency_code, born, woman), birth_date=born, address=address)


def foreigner(rng: Random, nationality: str, today: date, regencies: tuple[str, ...]) -> PersonalData:
    """A foreigner living in the office's area (one of ``regencies``); the NIK is the one
    Dukcapil gives foreign residents (and, for visitors, a placeholder in the same layout)."""
    given, family = _FOREIGN[nationality]
    woman = rng.random() < 0.4
    regency_code = rng.choice(regencies)
    born = _birth_date(rng, today, 18, 70)
    address = f"{rng.choice(_STREETS)} No. {rng.randint(1, 250)}, {PLACES[regency_code]}"
    return PersonalData(
        name=f"{rng.choice(given)} {rng.choice(family)}",
        nik=_nik(rng, regency_code, born, woman),
        birth_date=born,
        address=address,
    )

"""Kantor Imigrasi: the offices with their dated jurisdiction (wilayah kerja) and the
number of people living in it.

``population`` counts the people in the office's whole wilayah kerja (BPS 2023
projections, rounded; per province, split among the province's offices); it sizes the
national demo year. The jurisdictions list the regencies and cities this build routes
applications from, which for most offices is the city it sits in, not yet its whole
wilayah kerja. Codes are Berkas's own three letters, names the common ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.errors import InvalidCommand


@dataclass(frozen=True)
class Jurisdiction:
    """Wilayah kerja: a regency or city (BPS code) served by an office from a date."""

    regency_code: str
    regency_name: str
    valid_from: date
    valid_to: date | None = None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Office:
    """Kantor Imigrasi: code, name, time zone (WIB/WITA/WIT), jurisdiction, people served."""

    code: str
    name: str
    timezone: str
    jurisdiction: tuple[Jurisdiction, ...]
    population: int

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: datetime) -> date:
        """The office's calendar day of an instant: what 'which month' means."""
        return moment.astimezone(self.tz).date()

    def serves(self, regency_code: str, day: date) -> bool:
        return any(j.regency_code == regency_code and j.covers(day) for j in self.jurisdiction)

    def regencies_on(self, day: date) -> tuple[str, ...]:
        return tuple(j.regency_code for j in self.jurisdiction if j.covers(day))


_SINCE = date(2000, 1, 1)
_WIB, _WITA, _WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"

_OFFICES = (
    Office(
        "MLG",
        "Kantor Imigrasi Kelas I TPI Malang",
        _WIB,
        (
            Jurisdiction("3573", "Kota Malang", _SINCE),
            Jurisdiction("3579", "Kota Batu", date(2001, 6, 21)),
            Jurisdiction("3575", "Kota Pasuruan", _SINCE),
            Jurisdiction("3574", "Kota Probolinggo", _SINCE),
            Jurisdiction("3507", "Kabupaten Malang", _SINCE),
            Jurisdiction("3514", "Kabupaten Pasuruan", _SINCE),
            Jurisdiction("3513", "Kabupaten Probolinggo", _SINCE),
        ),
        6_900_000,  # as the office's 2024 report says: about 6.9 million people
    ),
    Office(
        "SBY",
        "Kantor Imigrasi Kelas I Khusus TPI Surabaya",
        _WIB,
        (
            Jurisdiction("3578", "Kota Surabaya", _SINCE),
            Jurisdiction("3515", "Kabupaten Sidoarjo", _SINCE),
        ),
        5_100_000,
    ),
    Office(
        "DPS",
        "Kantor Imigrasi Kelas I Khusus TPI Denpasar",
        _WITA,
        (
            Jurisdiction("5171", "Kota Denpasar", _SINCE),
            Jurisdiction("5103", "Kabupaten Badung", _SINCE),
        ),
        1_290_000,
    ),
    Office(
        "JYP",
        "Kantor Imigrasi Kelas I TPI Jayapura",
        _WIT,
        (Jurisdiction("9471", "Kota Jayapura", _SINCE),),
        2_510_000,
    ),
    Office("BDA", "Kantor Imigrasi Banda Aceh", _WIB, (Jurisdiction("1171", "Kota Banda Aceh", _SINCE),), 5_480_000),
    Office("MDN", "Kantor Imigrasi Medan", _WIB, (Jurisdiction("1275", "Kota Medan", _SINCE),), 15_390_000),
    Office("PDG", "Kantor Imigrasi Padang", _WIB, (Jurisdiction("1371", "Kota Padang", _SINCE),), 5_760_000),
    Office("PKU", "Kantor Imigrasi Pekanbaru", _WIB, (Jurisdiction("1471", "Kota Pekanbaru", _SINCE),), 5_200_000),
    Office("DUM", "Kantor Imigrasi Dumai", _WIB, (Jurisdiction("1472", "Kota Dumai", _SINCE),), 1_440_000),
    Office("JMB", "Kantor Imigrasi Jambi", _WIB, (Jurisdiction("1571", "Kota Jambi", _SINCE),), 3_680_000),
    Office("PLM", "Kantor Imigrasi Palembang", _WIB, (Jurisdiction("1671", "Kota Palembang", _SINCE),), 8_740_000),
    Office("BKL", "Kantor Imigrasi Bengkulu", _WIB, (Jurisdiction("1771", "Kota Bengkulu", _SINCE),), 2_090_000),
    Office(
        "BDL", "Kantor Imigrasi Bandar Lampung", _WIB, (Jurisdiction("1871", "Kota Bandar Lampung", _SINCE),), 9_310_000
    ),
    Office(
        "PGP", "Kantor Imigrasi Pangkalpinang", _WIB, (Jurisdiction("1971", "Kota Pangkalpinang", _SINCE),), 1_490_000
    ),
    Office("BTM", "Kantor Imigrasi Batam", _WIB, (Jurisdiction("2171", "Kota Batam", _SINCE),), 1_300_000),
    Office(
        "TPI", "Kantor Imigrasi Tanjungpinang", _WIB, (Jurisdiction("2172", "Kota Tanjungpinang", _SINCE),), 850_000
    ),
    Office(
        "JKS",
        "Kantor Imigrasi Jakarta Selatan",
        _WIB,
        (Jurisdiction("3171", "Kota Jakarta Selatan", _SINCE),),
        2_250_000,
    ),
    Office(
        "JKT", "Kantor Imigrasi Jakarta Timur", _WIB, (Jurisdiction("3172", "Kota Jakarta Timur", _SINCE),), 3_080_000
    ),
    Office(
        "JKP", "Kantor Imigrasi Jakarta Pusat", _WIB, (Jurisdiction("3173", "Kota Jakarta Pusat", _SINCE),), 1_060_000
    ),
    Office(
        "JKB", "Kantor Imigrasi Jakarta Barat", _WIB, (Jurisdiction("3174", "Kota Jakarta Barat", _SINCE),), 2_470_000
    ),
    Office(
        "JKU", "Kantor Imigrasi Jakarta Utara", _WIB, (Jurisdiction("3175", "Kota Jakarta Utara", _SINCE),), 1_810_000
    ),
    Office("BGR", "Kantor Imigrasi Bogor", _WIB, (Jurisdiction("3271", "Kota Bogor", _SINCE),), 11_000_000),
    Office("BDG", "Kantor Imigrasi Bandung", _WIB, (Jurisdiction("3273", "Kota Bandung", _SINCE),), 15_000_000),
    Office("CRB", "Kantor Imigrasi Cirebon", _WIB, (Jurisdiction("3274", "Kota Cirebon", _SINCE),), 6_500_000),
    Office("BKS", "Kantor Imigrasi Bekasi", _WIB, (Jurisdiction("3275", "Kota Bekasi", _SINCE),), 7_000_000),
    Office("DPK", "Kantor Imigrasi Depok", _WIB, (Jurisdiction("3276", "Kota Depok", _SINCE),), 6_000_000),
    Office("TSM", "Kantor Imigrasi Tasikmalaya", _WIB, (Jurisdiction("3278", "Kota Tasikmalaya", _SINCE),), 4_360_000),
    Office(
        "TNG",
        "Kantor Imigrasi Tangerang",
        _WIB,
        (Jurisdiction("3671", "Kota Tangerang", _SINCE), Jurisdiction("3674", "Kota Tangerang Selatan", _SINCE)),
        6_500_000,
    ),
    Office("CLG", "Kantor Imigrasi Cilegon", _WIB, (Jurisdiction("3672", "Kota Cilegon", _SINCE),), 2_510_000),
    Office("SRN", "Kantor Imigrasi Serang", _WIB, (Jurisdiction("3673", "Kota Serang", _SINCE),), 3_300_000),
    Office("CLP", "Kantor Imigrasi Cilacap", _WIB, (Jurisdiction("3301", "Kabupaten Cilacap", _SINCE),), 7_000_000),
    Office("BMS", "Kantor Imigrasi Banyumas", _WIB, (Jurisdiction("3302", "Kabupaten Banyumas", _SINCE),), 6_000_000),
    Office("SKA", "Kantor Imigrasi Surakarta", _WIB, (Jurisdiction("3372", "Kota Surakarta", _SINCE),), 9_000_000),
    Office("SMG", "Kantor Imigrasi Semarang", _WIB, (Jurisdiction("3374", "Kota Semarang", _SINCE),), 10_000_000),
    Office("TGL", "Kantor Imigrasi Tegal", _WIB, (Jurisdiction("3376", "Kota Tegal", _SINCE),), 5_540_000),
    Office(
        "YGY",
        "Kantor Imigrasi Yogyakarta",
        _WIB,
        (Jurisdiction("3471", "Kota Yogyakarta", _SINCE), Jurisdiction("3404", "Kabupaten Sleman", _SINCE)),
        3_740_000,
    ),
    Office("JBR", "Kantor Imigrasi Jember", _WIB, (Jurisdiction("3509", "Kabupaten Jember", _SINCE),), 6_500_000),
    Office(
        "BWI", "Kantor Imigrasi Banyuwangi", _WIB, (Jurisdiction("3510", "Kabupaten Banyuwangi", _SINCE),), 4_530_000
    ),
    Office(
        "TPK", "Kantor Imigrasi Tanjung Perak", _WIB, (Jurisdiction("3525", "Kabupaten Gresik", _SINCE),), 5_500_000
    ),
    Office("KDR", "Kantor Imigrasi Kediri", _WIB, (Jurisdiction("3571", "Kota Kediri", _SINCE),), 8_000_000),
    Office("MDU", "Kantor Imigrasi Madiun", _WIB, (Jurisdiction("3577", "Kota Madiun", _SINCE),), 5_000_000),
    Office("SGR", "Kantor Imigrasi Singaraja", _WITA, (Jurisdiction("5108", "Kabupaten Buleleng", _SINCE),), 3_050_000),
    Office("MTR", "Kantor Imigrasi Mataram", _WITA, (Jurisdiction("5271", "Kota Mataram", _SINCE),), 4_300_000),
    Office("BIM", "Kantor Imigrasi Bima", _WITA, (Jurisdiction("5272", "Kota Bima", _SINCE),), 1_260_000),
    Office("KPG", "Kantor Imigrasi Kupang", _WITA, (Jurisdiction("5371", "Kota Kupang", _SINCE),), 5_580_000),
    Office("PTK", "Kantor Imigrasi Pontianak", _WIB, (Jurisdiction("6171", "Kota Pontianak", _SINCE),), 5_620_000),
    Office(
        "PKY", "Kantor Imigrasi Palangka Raya", _WIB, (Jurisdiction("6271", "Kota Palangka Raya", _SINCE),), 2_740_000
    ),
    Office("BJM", "Kantor Imigrasi Banjarmasin", _WITA, (Jurisdiction("6371", "Kota Banjarmasin", _SINCE),), 4_210_000),
    Office("BPN", "Kantor Imigrasi Balikpapan", _WITA, (Jurisdiction("6471", "Kota Balikpapan", _SINCE),), 1_900_000),
    Office("SMD", "Kantor Imigrasi Samarinda", _WITA, (Jurisdiction("6472", "Kota Samarinda", _SINCE),), 2_040_000),
    Office("TRK", "Kantor Imigrasi Tarakan", _WITA, (Jurisdiction("6571", "Kota Tarakan", _SINCE),), 730_000),
    Office("MND", "Kantor Imigrasi Manado", _WITA, (Jurisdiction("7171", "Kota Manado", _SINCE),), 2_660_000),
    Office("PLU", "Kantor Imigrasi Palu", _WITA, (Jurisdiction("7271", "Kota Palu", _SINCE),), 3_090_000),
    Office("MKS", "Kantor Imigrasi Makassar", _WITA, (Jurisdiction("7371", "Kota Makassar", _SINCE),), 7_500_000),
    Office("PLP", "Kantor Imigrasi Palopo", _WITA, (Jurisdiction("7373", "Kota Palopo", _SINCE),), 1_860_000),
    Office("KDI", "Kantor Imigrasi Kendari", _WITA, (Jurisdiction("7471", "Kota Kendari", _SINCE),), 2_750_000),
    Office("GTO", "Kantor Imigrasi Gorontalo", _WITA, (Jurisdiction("7571", "Kota Gorontalo", _SINCE),), 1_220_000),
    Office("MMJ", "Kantor Imigrasi Mamuju", _WITA, (Jurisdiction("7604", "Kabupaten Mamuju", _SINCE),), 1_460_000),
    Office("AMB", "Kantor Imigrasi Ambon", _WIT, (Jurisdiction("8171", "Kota Ambon", _SINCE),), 1_890_000),
    Office("TTE", "Kantor Imigrasi Ternate", _WIT, (Jurisdiction("8271", "Kota Ternate", _SINCE),), 1_350_000),
    Office("SON", "Kantor Imigrasi Sorong", _WIT, (Jurisdiction("9171", "Kota Sorong", _SINCE),), 1_190_000),
    Office("MRK", "Kantor Imigrasi Merauke", _WIT, (Jurisdiction("9401", "Kabupaten Merauke", _SINCE),), 530_000),
    Office("TMK", "Kantor Imigrasi Mimika", _WIT, (Jurisdiction("9412", "Kabupaten Mimika", _SINCE),), 1_450_000),
)

OFFICES: dict[str, Office] = {office.code: office for office in _OFFICES}


# Every caller's words for a code that is not an office's: the CLI's, the API's query
# parameters and bodies (``api.http.schemas.common.OfficeCode``), the web pages'.
OFFICE_RULE = "must be an office code, e.g. MLG: one of the reference data's, in capitals (domain/offices.py)"


def office(code: str) -> Office:
    try:
        return OFFICES[code]
    except (KeyError, TypeError):
        raise InvalidCommand("office", OFFICE_RULE) from None

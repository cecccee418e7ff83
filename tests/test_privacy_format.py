"""What the seal writes stays readable: values sealed by earlier versions (a plaintext JSON
list with spaces, written through ``json.dumps``) open as they always did."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.bootstrap import bootstrap
from api.settings import Settings
from domain.privacy import PersonalDataUnreadable
from domain.transcodings import SealedNote, SealedPersonalData
from domain.values import PersonalData, PersonalNote
from projections.eventstore import sql
from projections.eventstore.store import VAULT_TABLES

SUBJECT = "0192f0c0a0b07000800000000000abcd"
DATA_KEY = bytes(range(32))
# Sealed under DATA_KEY, bound to SUBJECT, nonce 07 * 12, by the seal as it was before the
# compact plaintext: json.dumps(fields, ensure_ascii=False) then base64.b64encode.
OLD_PERSONAL_DATA = (
    "BwcHBwcHBwcHBwcHVEj1NRtm97Wr9H3h6HPYu4NvuES7x7Apz4tvwzTuAisWZt1eo3HNqzLTkczvJ+gEl2iRA7mPIUL3jY/CXIqv0AjEnFPnrwic"
    "+a5oH/47UNPaLdHHk+vmYA=="
)
OLD_NOTE = (
    "BwcHBwcHBwcHBwcHVEjWOR1jotS16GHh9HGQ+tM1rTnk2aFQlN4w2jXsEDcHZsJLtnPEozLPkcz7J+kWi3mRFKRFJk02+9oVEp6nuH/ZK9o="
)


@pytest.fixture
def vault(tmp_path):
    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "berkas.db"))
    wrapped = system.vault._wrap(DATA_KEY, SUBJECT.encode())
    with system.store.connect() as conn:
        sql.execute(
            conn,
            f"INSERT INTO {VAULT_TABLES[0]} (subject_id, wrapped_key, created_at) VALUES (?, ?, ?)",
            [SUBJECT, wrapped, datetime.now(UTC).isoformat()],
        )
    yield system.vault
    system.close()


def test_personal_data_and_notes_sealed_by_the_earlier_layout_open(vault):
    person = SealedPersonalData(vault).decode({"s": SUBJECT, "c": OLD_PERSONAL_DATA})
    assert person == PersonalData("Siti Aminah", "3573010101900001", date(1990, 1, 1), "Jl. Ijen 12, Malang")
    assert person.subject_id == SUBJECT
    note = SealedNote(vault).decode({"s": SUBJECT, "c": OLD_NOTE})
    assert note == PersonalNote("perlu surat dari Jl. Ijen 12", "3573010101900001")


def test_an_old_value_bound_to_another_subject_or_changed_fails_loudly(vault):
    changed = OLD_NOTE[:20] + ("A" if OLD_NOTE[20] != "A" else "B") + OLD_NOTE[21:]
    with pytest.raises(PersonalDataUnreadable):
        SealedNote(vault).decode({"s": SUBJECT, "c": changed})
    other = vault.seal("3573010101900002", "Budi", b"[]")[0]
    vault.prepare()
    with pytest.raises(PersonalDataUnreadable):  # another subject's key
        SealedNote(vault).decode({"s": other, "c": OLD_NOTE})


def test_values_sealed_now_open_the_same_and_never_repeat_a_nonce(vault):
    seal = SealedPersonalData(vault)
    person = PersonalData("Siti Aminah", "3573010101900009", date(1990, 1, 1), "Jl. Ijen 12, Malang")
    first, second = seal.encode(person), seal.encode(person)
    vault.prepare()
    assert first["s"] == second["s"] and first["c"] != second["c"]
    assert seal.decode(first) == person == seal.decode(second)
    assert person.nik not in first["c"] and person.name not in first["c"]


@pytest.mark.parametrize("key", [bytes(32), bytes(range(32)), b"\xff" * 32, bytes(range(100))])
def test_blind_indexes_are_hmac_sha256_of_the_normalised_value(key):
    """Digests stay those already stored in vaults: HMAC-SHA256 under the index key."""
    import hmac

    from projections.privacy.blind import BlindIndex, normalise

    index = BlindIndex(key)
    for kind, value in (("nik", "3573 0101 0190 0001"), ("name", "Siti  Åminah"), ("document", "c 1234567")):
        expected = hmac.digest(key, f"{kind}\x1f{normalise(kind, value)}".encode(), "sha256").hex()[:32]
        assert index.digest(kind, value) == expected

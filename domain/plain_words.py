"""The words each kind of plain field is written with (``domain.plain_text``): a citation of
law's, a document's, an institution's and a place's, and how a value is read into words."""

from __future__ import annotations

import re

from domain.offices import OFFICES

# The codes a government letter's or a court case's number is written with, besides its
# issuer's words: the unit (IMI: Ditjen Imigrasi, AHU, PAS; W15: a Kanwil), the archive's
# classification (GR.01.01, UM.01.10, HH), a ministry's series (PMK, KMK, KM, PM, SJ), a court
# case's kind (Pdt.G, Pid.Sus, K, PK) and what the letter is (SK, SP, KEP, ND, ST).
_NUMBER_CODES = """
    imi ahu pas gr um hh hk hm kp ku ot pl pr pw ti ks iz sk sp kep nd pmk kmk km pm sj pid pdt sus pk
    """.split()
# The words of a citation of law, Indonesian and English; with them a citation takes numbers
# ("6/2011", "(2)", "IMI-0277.GR.02.06/2017") and single letters ("huruf f").
CITATION_WORDS = frozenset(_NUMBER_CODES) | frozenset(
    """
    pasal ayat huruf angka butir bagian bab paragraf lampiran jo juncto dan atau serta tentang
    nomor no tahun perubahan atas kedua ketiga keempat pertama sebagaimana dimaksud diubah
    terakhir dengan yang pada di dalam ketentuan uu undang-undang perppu pp perpres keppres inpres
    permen permenkumham permenkum permenimipas kepmen kepmenkumham se surat edaran keputusan
    peraturan pemerintah presiden menteri hukum ham hak asasi manusia direktur jenderal dirjen
    direktorat imigrasi keimigrasian kuhp kuhap putusan pengadilan mahkamah agung konstitusi ma
    mk ptun penetapan instruksi kementerian republik indonesia ri negara ketenagakerjaan
    dukcapil paspor biasa splp visa izin tinggal terbatas tetap kunjungan itk itas itap
    pelindungan perlindungan pekerja migran pmi pencegahan penangkalan tarif jenis penerimaan
    bukan pajak pnbp tindakan administratif deportasi pendeportasian detensi pendetensian rumah
    rudenim pengawasan orang asing data pribadi pemeriksaan tata cara pelaksanaan dokumen
    perjalanan berlaku pidana sanksi laksana pelaksana penyelenggaraan tenaga kerja non
    prosedural nonprosedural non-prosedural warga asing wna wni kewarganegaraan keamanan
    ketertiban umum kegiatan berbahaya membahayakan patut diduga melanggar pelanggaran
    perundang-undangan pejabat kantor wilayah kanwil tempat tpi melebihi batas waktu tidak sah
    benar keterangan palsu memberikan menggunakan menyalahgunakan penyalahgunaan tindak
    perdagangan penyelundupan overstay bebas dan/atau ke negeri luar lembaran tambahan berita ln tln bn
    perma sema perpu permendagri permenaker kepdirjen perdirjen petunjuk teknis juknis pedoman kepala
    article law number of on in and or regulation government presidential minister ministerial
    decree circular letter paragraph point clause section chapter year immigration conjunction
    with director general directorate the as amended by act concerning regarding amendment
    first second third pursuant to under provision provisions rule rules foreigner foreigners
    stay permit visa overstay migrant worker workers protection human rights
    """.split()
)

# The kinds of institution an office works with, Indonesian and English, as their names are
# written (Polres Malang Kota, Kodim 0833, BIN Daerah Jawa Timur, BP3MI Jawa Timur).
_INSTITUTION_WORDS = """
    polri polda polres polresta polrestabes polsek kepolisian resor sektor kota daerah tni ad al au
    kodam korem kodim koramil lanal lanud lantamal satpol satpol_pp pp disnaker dinas tenaga kerja
    ketenagakerjaan kemnaker bakesbangpol kesbangpol badan kesatuan bangsa politik bin binda
    intelijen negara bp3mi bp2mi pelindungan perlindungan pekerja migran indonesia dispendukcapil
    disdukcapil dukcapil kependudukan pencatatan sipil kejaksaan kejari kejati negeri tinggi
    pengadilan bea cukai bnn bnnp bnnk narkotika nasional kemenag agama pemda pemkot pemkab
    pemprov pemerintah kabupaten kab provinsi prov kementerian kemenkumham kemenimipas kanwil
    wilayah hukum hak asasi manusia imigrasi pemasyarakatan ditjen direktorat jenderal kantor
    kanim kelas khusus tpi non unit seksi bidang pusat republik ri dan
    rudenim rumah ruang detensi
    bandara bandar udara internasional pelabuhan laut penyeberangan plbn pos lintas batas terminal
    international airport seaport harbour harbor port ferry border crossing immigration detention
    house centre center office police regional national provincial city regency of the and
    """.split()
# Provinces, and the border posts and ports of exit the reference data does not name
# (no word of a person's given name: an airport named after one is given by its code).
_PLACE_WORDS = """
    jawa timur barat tengah utara selatan bali nusa tenggara sumatera sumatra kalimantan sulawesi
    papua maluku riau kepulauan aceh banten lampung jambi bengkulu gorontalo dki jakarta istimewa
    yogyakarta diy bangka belitung
    juanda soekarno-hatta ngurah rai kualanamu minangkabau adisutjipto sepinggan supadio sentani
    lombok komodo priok perak emas benoa belawan batam centre harbour bay sekupang nongsa
    entikong skouw motaain aruk badau tanjung
    """.split()


_EDGES = "().[]'\"&\u2018\u2019\u201c\u201d"  # brackets and quotes around a word


def citation_tokens(value: str) -> list[str]:
    return [t.strip(_EDGES).lower() for t in re.split(r"[\s,;:]+", value)]


def place_tokens(value: str) -> list[str]:
    return [t.strip(_EDGES).lower() for t in re.split(r"[\s,;:/]+", value) if t.strip(_EDGES)]


def _reference_words() -> set[str]:
    found: set[str] = set()
    for office in OFFICES.values():
        found.update(place_tokens(office.name))
        for area in office.jurisdiction:
            found.update(place_tokens(area.regency_name))
    return found


PLACE_WORDS = frozenset(_INSTITUTION_WORDS) | frozenset(_PLACE_WORDS) | _reference_words()


# A decision about no case's merits cites a document as often as a law: the budget (DIPA) a
# revenue target comes from, the audit report (LHP) or court case a legal hold rests on.
DOCUMENT_WORDS = (
    CITATION_WORDS
    | PLACE_WORDS
    | frozenset(
        """
        dipa revisi anggaran ta pok rkakl satker lhp laporan hasil audit closed selesai ditutup settled
        case perkara st surat tugas inspektorat irjen itjen bpk bpkp pn pt sprint perintah
        penyidikan acara bap nota dinas memo request permintaan subjek report court order
        """.split()
    )
)

from datetime import timedelta

import pytest

from index.dates import parse_indonesian
from index.model import Article
from index.pages import PageError, parse_page
from index.readers import Problem, read_page

SIDEBAR_WORDS = ("Prabowo", "Raffi", "Populer", "UPDATE", "Selengkapnya", "Bahlil", "Januari 2025")

PAGE = """Berita

Ilustrasi/Net

Dunia

Judul Berita Dunia Hari Ini

SABTU, 01 JULI 2023 | 12:00 WIB | LAPORAN: HANI FATUNNISA

Paragraf pertama tentang peristiwa dunia.

Paragraf kedua dengan keterangan saksi.

Populer

Prabowo Harus Ganti Bahlil

Minggu, 26 Januari 2025 | 09:14

UPDATE

Raffi Ahmad Tembus Rp55 Miliar

Minggu, 02 Februari 2025 | 02:39

Selengkapnya
"""


@pytest.mark.corpus
def test_seed_page_parses_title_category_time_and_reporter(seed_page):
    [article] = list(read_page(seed_page))
    assert isinstance(article, Article), article
    assert article.title == "Kazakhstan Minta Warga Tidak Tergiur jadi Tentara Rusia"
    assert article.category == "Dunia"
    assert article.author == "Hani Fatunnisa"
    assert article.published.isoformat() == "2023-07-01T12:00:00+07:00"
    assert article.body.startswith("Sebuah situs online")
    assert article.body.endswith("bergabung dengan barisan mereka.")
    for word in SIDEBAR_WORDS:
        assert word not in article.body


def test_sidebars_and_chrome_never_reach_the_body():
    page = parse_page(PAGE)
    assert page.title == "Judul Berita Dunia Hari Ini"
    assert page.category == "Dunia"
    assert page.body == "Paragraf pertama tentang peristiwa dunia.\n\nParagraf kedua dengan keterangan saksi."
    for word in SIDEBAR_WORDS:
        assert word not in page.body


def test_page_without_photo_credit_or_reporter():
    page = parse_page(PAGE.replace("Ilustrasi/Net\n", "").replace(" | LAPORAN: HANI FATUNNISA", ""))
    assert page.category == "Dunia"
    assert page.reporter is None
    assert page.title == "Judul Berita Dunia Hari Ini"


@pytest.mark.parametrize("zone,hours", [("WIB", 7), ("WITA", 8), ("WIT", 9)])
def test_time_zones(zone, hours):
    page = parse_page(PAGE.replace("12:00 WIB", f"12:00 {zone}"))
    moment, has_time = parse_indonesian(page.published_text)
    assert has_time and moment.utcoffset() == timedelta(hours=hours)
    assert moment.hour == 12


def test_quote_spanning_paragraphs_keeps_a_heading_like_line_inside_it():
    body = '"Kami datang pagi.\n\nUPDATE\n\nItu kata yang kami pakai," ujarnya.\n\nPenutup.'
    page = parse_page(
        PAGE.replace("Paragraf pertama tentang peristiwa dunia.\n\nParagraf kedua dengan keterangan saksi.", body)
    )
    assert "Itu kata yang kami pakai" in page.body
    assert page.body.endswith("Penutup.")
    assert "Prabowo" not in page.body


def test_baca_juga_lines_inside_the_body_are_dropped():
    page = parse_page(PAGE.replace("Paragraf kedua", "Baca juga: Artikel Lain Soal Prabowo\n\nParagraf kedua"))
    assert "Baca juga" not in page.body and "Prabowo" not in page.body


@pytest.mark.parametrize(
    "text,message,line",
    [
        ("", "empty page", 0),  # line 0: the whole file
        ("Judul saja\n\nTanpa tanggal sama sekali.", "no date line", 1),
        ("SABTU, 01 JULI 2023 | 12:00 WIB\n\nIsi.", "no title", 1),  # the date line
        ("Judul\n\nSABTU, 01 JULI 2023 | 12:00 WIB\n\nPopuler\n\nLain", "no body", 3),
        ("Judul\n\nSABTU, 31 FEBRUARI 2023 | 12:00 WIB\n\nIsi.", "impossible date", 3),
        ("Judul\n\nSABTU, 01 JULAI 2023 | 12:00 WIB\n\nIsi.", "unknown month", 3),
    ],
)
def test_bad_pages_are_reported_with_a_line(tmp_path, text, message, line):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    [problem] = list(read_page(path))
    assert isinstance(problem, Problem)
    assert message in problem.message
    assert problem.line == line
    assert str(problem).startswith(f"{path}:{line}" if line else str(path))


def test_bad_date_line_names_its_line():
    with pytest.raises(PageError) as info:
        parse_page("Header\n\nJudul\n\nSABTU, 31 FEBRUARI 2023 | 12:00 WIB\n\nIsi.")
    assert info.value.line == 5

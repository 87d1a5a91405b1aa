"""Indonesian date expressions in a query (search/query/dates.py)."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.dates import WIB
from search.query.dates import read_dates

NOW = datetime(2019, 10, 16, 9, 0, tzinfo=WIB)  # a Wednesday


@pytest.mark.parametrize(
    "query, remaining, lo, hi",
    [
        ("banjir kemarin", "banjir", date(2019, 10, 15), date(2019, 10, 15)),
        ("gempa minggu lalu", "gempa", date(2019, 10, 7), date(2019, 10, 13)),
        ("gempa pekan lalu", "gempa", date(2019, 10, 7), date(2019, 10, 13)),
        ("demo mahasiswa september 2019", "demo mahasiswa", date(2019, 9, 1), date(2019, 9, 30)),
        ("hari ini", "", NOW.date(), NOW.date()),
        ("kemarin lusa", "", date(2019, 10, 14), date(2019, 10, 14)),
        ("bulan lalu", "", date(2019, 9, 1), date(2019, 9, 30)),
        ("tahun lalu", "", date(2018, 1, 1), date(2018, 12, 31)),
        ("4 tahun lalu", "", date(2015, 1, 1), date(2015, 12, 31)),
        ("3 hari yang lalu", "", date(2019, 10, 13), date(2019, 10, 13)),
        ("dua minggu lalu", "", date(2019, 9, 30), date(2019, 10, 6)),
        ("sejak 1 september", "", date(2019, 9, 1), None),
        ("korupsi pada 17 Agustus", "korupsi", date(2019, 8, 17), date(2019, 8, 17)),
        ("banjir 2019", "banjir", date(2019, 1, 1), NOW.date()),  # never past today
        ("akhir pekan", "", date(2019, 10, 12), date(2019, 10, 13)),
        ("Senin lalu", "", date(2019, 10, 14), date(2019, 10, 14)),
        ("rabu lalu", "", date(2019, 10, 9), date(2019, 10, 9)),
        ("pasar hari Minggu", "pasar", date(2019, 10, 13), date(2019, 10, 13)),
        ("akhir september", "", date(2019, 9, 21), date(2019, 9, 30)),
        ("november", "", date(2018, 11, 1), date(2018, 11, 30)),  # the latest not after today
        ("7 hari terakhir", "", date(2019, 10, 10), NOW.date()),
        ("sebelum 2019", "", None, date(2018, 12, 31)),
        ("gempa 17/8/2019 lombok", "gempa lombok", date(2019, 8, 17), date(2019, 8, 17)),
        ("banjir kmrn", "banjir", date(2019, 10, 15), date(2019, 10, 15)),
        ("demo 1 sampai 5 oktober", "demo", date(2019, 10, 1), date(2019, 10, 5)),
        ("antara 2 dan 5 oktober", "", date(2019, 10, 2), date(2019, 10, 5)),
        ("rabu pekan lalu", "", date(2019, 10, 9), date(2019, 10, 9)),
        ("weekend kemarin", "", date(2019, 10, 12), date(2019, 10, 13)),
        ("rabu 11 september 2019", "", date(2019, 9, 11), date(2019, 9, 11)),
        ("oktober lalu", "", date(2018, 10, 1), date(2018, 10, 31)),
        ("sebulan terakhir", "", date(2019, 9, 17), NOW.date()),
        ("tgl 12", "", date(2019, 10, 12), date(2019, 10, 12)),
    ],
)
def test_expressions(query, remaining, lo, hi):
    reading = read_dates(query, NOW)
    assert reading is not None
    assert (reading.remaining, reading.date_from, reading.date_to) == (remaining, lo, hi)


@pytest.mark.parametrize(
    "query",
    [
        "besok",
        "pekan depan",
        "4 tahun penjara",
        "bocah 5 tahun",
        "dua minggu sekali",
        "Minggu pagi",
        "jun",
        "setiap hari senin",
        "pekan ke-19",
        "promo 9.9",
    ],
)
def test_not_dates(query):
    assert read_dates(query, NOW) is None


def test_quoted_and_scoped_words_are_left_alone():
    assert read_dates('"banjir kemarin"', NOW) is None
    assert read_dates("title:2019 banjir", NOW) is None


def test_jakarta_day_of_now():
    """00:30 WIB is already the new day, even when now is given in UTC."""
    utc = datetime.fromisoformat("2019-10-15T17:30:00+00:00")  # 00:30 WIB on the 16th
    today, yesterday = read_dates("hari ini", utc), read_dates("kemarin", utc)
    assert today is not None and today.date_from == date(2019, 10, 16)
    assert yesterday is not None and yesterday.date_from == date(2019, 10, 15)


WORDS = st.sampled_from(
    "banjir gempa kemarin lalu minggu pekan bulan tahun hari ini 2019 17 agustus september sejak pada "
    "senin akhir awal 3 dua yang terakhir lusa jakarta".split()
)


@given(st.lists(WORDS, max_size=6), st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)))
def test_readings_are_ranges_up_to_today_and_keep_the_other_words(words, moment):
    query = " ".join(words)
    now = moment.replace(tzinfo=WIB)
    reading = read_dates(query, now)
    if reading is None:
        return
    assert reading.date_from is not None or reading.date_to is not None
    if reading.date_from and reading.date_to:
        assert reading.date_from <= reading.date_to
    assert reading.date_to is None or reading.date_to <= now.date()
    assert reading.date_from is None or reading.date_from <= now.date()
    assert sorted(reading.remaining.split() + reading.text.split()) == sorted(words)


def test_the_ends_of_the_calendar_give_no_reading_and_no_error():
    assert read_dates("kemarin", datetime(1, 1, 1, tzinfo=WIB)) is None
    assert read_dates("tahun lalu", datetime(1, 1, 1)) is None

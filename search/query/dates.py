"""Indonesian date expressions in a query (*banjir kemarin*, *gempa minggu lalu*,
*demo mahasiswa september 2019*) read as a range of Asia/Jakarta days.

A pure function of the query text and the request's ``now``: :func:`read_dates`
finds the first date expression outside quoted phrases and scoped terms, and
answers the range it means, the words it took (with the words that only
introduce it: *pada*, *tanggal*, *sejak* ...) and the query without them.
Whether the engine applies it as a filter or keeps the words as content is
decided in :mod:`search.engine` (it needs the index). The conventions are those
of ``bench/understanding/README.md``: *minggu lalu* is the previous Monday-Sunday
week, *bulan lalu* the previous calendar month, a month without a year the most
recent one not after today, *awal/pertengahan/akhir* days 1-10/11-20/21-end, and
no range extends past today. Future words (*besok*, *pekan depan*) and
durations (*4 tahun penjara*) are not dates.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from index.dates import WIB

MONTH_NAMES = {
    "januari": 1,
    "februari": 2,
    "pebruari": 2,
    "maret": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "agustus": 8,
    "september": 9,
    "oktober": 10,
    "nopember": 11,
    "november": 11,
    "desember": 12,
}
MONTH_SHORT = {
    "jan": 1,
    "feb": 2,
    "peb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agus": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "nop": 11,
    "des": 12,
}
WEEKDAYS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6, "ahad": 6}
NUMBERS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
    "sepuluh": 10,
    "sebelas": 11,
    "dua belas": 12,
}
UNITS = {"hari": "day", "minggu": "week", "pekan": "week", "bulan": "month", "tahun": "year"}
ONE_UNIT = {"sehari": "day", "seminggu": "week", "sepekan": "week", "sebulan": "month", "setahun": "year"}
AGO = ("lalu", "kemarin", "silam", "yang lalu", "yg lalu")
INTRODUCERS = ("pada", "tanggal", "tgl", "tgl.", "di", "dalam", "selama", "sepanjang", "medio")
BOUNDS = {
    "sejak": "since",
    "mulai": "since",
    "semenjak": "since",
    "sampai": "until",
    "hingga": "until",
    "sebelum": "before",
    "setelah": "after",
    "sesudah": "after",
}
PARTS = {"awal": (1, 10), "pertengahan": (11, 20), "tengah": (11, 20), "akhir": (21, 31)}
YEAR_PARTS = {"awal": (1, 4), "pertengahan": (5, 8), "tengah": (5, 8), "akhir": (9, 12)}
MIN_YEAR = 1900
WORD = re.compile(r'"[^"]*"?|\S+')
EDGE_PUNCT = ".,;:!?()[]"
NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DAY_RANGE = re.compile(r"^(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class DateReading:
    """What a query's date words mean: the inclusive Jakarta days (``None``:
    open), the words as written, and the query without them."""

    remaining: str
    date_from: date | None
    date_to: date | None
    text: str
    relative: bool  # said relative to now (kemarin, minggu lalu), not a calendar date (2019, 17 agustus)


@dataclass(frozen=True)
class _Token:
    norm: str  # lower case, edge punctuation stripped
    start: int
    end: int
    free: bool  # a plain word (not in quotes, not scoped, not excluded)


Range = tuple[date | None, date | None]
Days = tuple[date, date]
_Match = tuple[int, Range, bool]  # (tokens taken, range, relative)


def today_in_jakarta(now: datetime) -> date:
    """The Jakarta calendar day of ``now`` (a naive ``now`` is taken as WIB)."""
    return (now if now.tzinfo else now.replace(tzinfo=WIB)).astimezone(WIB).date()


def read_dates(text: str, now: datetime) -> DateReading | None:
    """The first date expression in ``text`` as of ``now``, or None (also
    when ``now`` is so near the calendar's ends that the range would leave it)."""
    try:
        return _read(text, now)
    except (OverflowError, ValueError):
        return None


def _read(text: str, now: datetime) -> DateReading | None:
    tokens = _tokens(text)
    today = today_in_jakarta(now)
    norms = [t.norm if t.free else "\0" for t in tokens]
    for i in range(len(tokens)):
        found = _expression(norms, i, today)
        if found is None:
            continue
        start, taken, (lo, hi), relative = found
        if lo is not None and lo > today:  # the future is not a filter
            return None
        if hi is not None and hi > today:
            hi = today
        first, last = tokens[start], tokens[start + taken - 1]
        remaining = (text[: first.start] + " " + text[last.end :]).strip()
        return DateReading(" ".join(remaining.split()), lo, hi, text[first.start : last.end], relative)
    return None


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in WORD.finditer(text):
        raw = m[0]
        free = not raw.startswith(('"', "-")) and ":" not in raw
        norm = raw.lower().strip(EDGE_PUNCT) if free else raw
        out.append(_Token(norm, m.start(), m.end(), free and bool(norm)))
    return out


def _expression(norms: list[str], i: int, today: date) -> tuple[int, int, Range, bool] | None:
    """A date expression starting at ``i`` (with its bound word and
    introducers): (first token, tokens taken, range, relative)."""
    j = i
    bound = BOUNDS.get(norms[j])
    if bound:
        j += 1
    while j < len(norms) and norms[j] in INTRODUCERS:
        j += 1
    for parse in PARSERS:
        found = parse(norms, j, today)
        if found is not None:
            taken, (lo, hi), relative = found
            if bound == "since":
                hi = None
            elif bound == "until":
                lo = None
            elif bound == "before":
                lo, hi = None, (lo - timedelta(days=1)) if lo else None
            elif bound == "after":
                lo, hi = (hi + timedelta(days=1)) if hi else None, None
            if lo is None and hi is None:
                return None
            return i, j - i + taken, (lo, hi), relative
    return None


# -- the expressions, each (words, at, today) -> (taken, range, relative) | None ---------


def _at(norms: list[str], j: int, *words: str) -> bool:
    return norms[j : j + len(words)] == list(words)


def _relative_day(norms: list[str], j: int, today: date) -> _Match | None:
    one = timedelta(days=1)
    if _at(norms, j, "hari", "ini"):
        return 2, (today, today), True
    if _at(norms, j, "kemarin", "lusa"):
        return 2, (today - 2 * one, today - 2 * one), True
    if _at(norms, j, "tadi", "malam") or _at(norms, j, "semalam") or _at(norms, j, "kemarin", "malam"):
        taken = 1 if norms[j] == "semalam" else 2
        return taken, (today - one, today if norms[j] != "kemarin" else today - one), True
    if _at(norms, j, "tadi") and j + 1 < len(norms) and norms[j + 1] in ("pagi", "siang", "sore"):
        return 2, (today, today), True
    if _at(norms, j, "kemarin") and not _at(norms, j + 1, "dulu"):
        return 1, (today - one, today - one), True
    return None


def _relative_period(norms: list[str], j: int, today: date) -> _Match | None:
    """minggu/pekan/bulan/tahun lalu or ini, akhir pekan."""
    word = norms[j] if j < len(norms) else ""
    if word == "akhir" and j + 1 < len(norms) and norms[j + 1] in ("pekan", "minggu"):
        this_monday = today - timedelta(days=today.weekday())
        if _ago(norms, j + 2):
            saturday = this_monday - timedelta(days=2)
            return 2 + _ago(norms, j + 2), (saturday, saturday + timedelta(days=1)), True
        if _at(norms, j + 2, "depan"):
            return None
        if _at(norms, j + 2, "ini") and today.weekday() < 5:
            return None  # this coming weekend: the future
        saturday = this_monday + timedelta(days=5) if today.weekday() >= 5 else this_monday - timedelta(days=2)
        taken = 3 if _at(norms, j + 2, "ini") else 2
        return taken, (saturday, saturday + timedelta(days=1)), True
    unit = UNITS.get(word)
    if unit is None or unit == "day":
        return None
    ago = _ago(norms, j + 1)
    if ago:
        return 1 + ago, _calendar_unit(unit, today, 1), True
    if _at(norms, j + 1, "ini"):
        return 2, (_calendar_unit(unit, today, 0)[0], today), True
    return None


def _ago(norms: list[str], j: int) -> int:
    """How many words say "ago" at ``j`` (0 if none)."""
    for phrase in sorted(AGO, key=len, reverse=True):
        words = phrase.split()
        if _at(norms, j, *words):
            return len(words)
    return 0


def _calendar_unit(unit: str, today: date, back: int) -> Days:
    """The calendar week (Monday-Sunday), month or year ``back`` units before today's."""
    if unit == "week":
        monday = today - timedelta(days=today.weekday() + 7 * back)
        return monday, monday + timedelta(days=6)
    if unit == "month":
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        return _month(year, month + 1)
    if unit == "year":
        return date(today.year - back, 1, 1), date(today.year - back, 12, 31)
    day = today - timedelta(days=back)
    return day, day


def _count(norms: list[str], j: int) -> tuple[int, int] | None:
    """A small count at ``j``: (value, words taken)."""
    if j >= len(norms):
        return None
    if norms[j].isdigit() and 0 < int(norms[j]) <= 100:
        return int(norms[j]), 1
    if _at(norms, j, "dua", "belas"):
        return 12, 2
    if norms[j] in NUMBERS:
        return NUMBERS[norms[j]], 1
    return None


def _n_units(norms: list[str], j: int, today: date) -> _Match | None:
    """N hari/minggu/bulan/tahun (yang) lalu, N hari terakhir, seminggu terakhir."""
    if j >= len(norms):
        return None
    if norms[j] in ONE_UNIT:
        n, unit, taken = 1, ONE_UNIT[norms[j]], 1
    else:
        counted = _count(norms, j)
        if counted is None or j + counted[1] >= len(norms) or norms[j + counted[1]] not in UNITS:
            return None
        n, unit, taken = counted[0], UNITS[norms[j + counted[1]]], counted[1] + 1
    ago = _ago(norms, j + taken)
    if ago:
        return taken + ago, _calendar_unit(unit, today, n), True
    if _at(norms, j + taken, "terakhir") or _at(norms, j + taken, "belakangan", "ini"):
        extra = 1 if norms[j + taken] == "terakhir" else 2
        return taken + extra, (_rolling_start(unit, today, n), today), True
    return None


def _rolling_start(unit: str, today: date, n: int) -> date:
    """The first day of the last ``n`` units ending today."""
    if unit == "day":
        return today - timedelta(days=n - 1)
    if unit == "week":
        return today - timedelta(days=7 * n - 1)
    months = n * (12 if unit == "year" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) + timedelta(days=1)


def _weekday(norms: list[str], j: int, today: date) -> _Match | None:
    """Senin lalu (strictly before today), hari Kamis (on or before today);
    Minggu only as "hari Minggu" or "Minggu kemarin" (alone it is a week or a word)."""
    hari = _at(norms, j, "hari")
    k = j + hari
    if k >= len(norms) or norms[k] not in WEEKDAYS:
        return None
    target = WEEKDAYS[norms[k]]
    ago = _ago(norms, k + 1)
    if norms[k] == "minggu" and not hari and not _at(norms, k + 1, "kemarin"):
        return None
    if _at(norms, k + 1, "depan") or _at(norms, k + 1, "besok"):
        return None
    back = (today.weekday() - target) % 7
    if ago and back == 0:
        back = 7
    day = today - timedelta(days=back)
    return hari + 1 + ago, (day, day), True


def _month_at(norms: list[str], j: int, short: bool) -> int | None:
    if j >= len(norms):
        return None
    word = norms[j].rstrip(".")
    return MONTH_NAMES.get(word) or (MONTH_SHORT.get(word) if short else None)


def _year_at(norms: list[str], j: int, today: date) -> int | None:
    if j < len(norms) and re.fullmatch(r"\d{4}", norms[j]) and MIN_YEAR <= int(norms[j]) <= today.year + 1:
        return int(norms[j])
    return None


def _month(year: int, month: int) -> Days:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _latest(month: int, day: int | None, today: date) -> int:
    """The year of the most recent such month (or day) not after today."""
    if (month, day or 1) <= (today.month, today.day):
        return today.year
    return today.year - 1


def _day_month(norms: list[str], j: int, today: date) -> _Match | None:
    """17 agustus [2019], 21-22 mei, 17/8/2019, 2019-08-17."""
    if j >= len(norms):
        return None
    word = norms[j]
    for pattern, order in ((NUMERIC_DATE, "dmy"), (ISO_DATE, "ymd")):
        m = pattern.match(word)
        if m:
            values = dict(zip(order, map(int, m.groups())))
            year = values["y"] + (2000 if values["y"] < 100 else 0)
            try:
                day = date(year, values["m"], values["d"])
            except ValueError:
                return None
            return 1, (day, day), False
    days: tuple[int, int] | None = None
    if word.isdigit() and 1 <= int(word) <= 31:
        days = (int(word), int(word))
    elif m := DAY_RANGE.match(word):
        days = (int(m[1]), int(m[2]))
    if days is None or days[0] > days[1]:
        return None
    month = _month_at(norms, j + 1, short=True)
    if month is None:
        return None
    given = _year_at(norms, j + 2, today)
    taken = 3 if given else 2
    year = given if given is not None else _latest(month, days[0], today)
    try:
        return taken, (date(year, month, days[0]), date(year, month, days[1])), False
    except ValueError:
        return None


def _month_year(norms: list[str], j: int, today: date) -> _Match | None:
    """[awal|pertengahan|akhir] [bulan] september [2019]; bulan 9 2019."""
    k = j
    part = PARTS.get(norms[k]) if k < len(norms) else None
    if part:
        k += 1
    k += _at(norms, k, "bulan")
    month = _month_at(norms, k, short=True)
    if month is None:
        return None
    year = _year_at(norms, k + 1, today)
    if year is None and _month_at(norms, k, short=False) is None:
        return None  # "jun", "mar" alone are names more often than months
    taken = k - j + 1 + (year is not None)
    if year is None:
        year = _latest(month, None, today)
    lo, hi = _month(year, month)
    if part:
        lo, hi = lo.replace(day=part[0]), hi.replace(day=min(part[1], hi.day))
    return taken, (lo, hi), False


def _year(norms: list[str], j: int, today: date) -> _Match | None:
    """[awal|pertengahan|akhir] [tahun] 2019; awal tahun ini, akhir tahun lalu."""
    k = j
    part = YEAR_PARTS.get(norms[k]) if k < len(norms) else None
    if part:
        k += 1
    tahun = _at(norms, k, "tahun")
    k += tahun
    year = _year_at(norms, k, today)
    relative = False
    taken = 1
    if year is None and part and tahun:
        if _at(norms, k, "ini"):
            year, relative = today.year, True
        elif ago := _ago(norms, k):
            year, relative, taken = today.year - 1, True, ago
        else:
            return None
    if year is None:
        return None
    lo, hi = date(year, 1, 1), date(year, 12, 31)
    if part:
        lo, hi = _month(year, part[0])[0], _month(year, part[1])[1]
    return k - j + taken, (lo, hi), relative


def _month_of_now(norms: list[str], j: int, today: date) -> _Match | None:
    """awal/akhir bulan ini, awal bulan lalu."""
    part = PARTS.get(norms[j]) if j < len(norms) else None
    if not part or not _at(norms, j + 1, "bulan"):
        return None
    if _at(norms, j + 2, "ini"):
        back, taken = 0, 3
    elif ago := _ago(norms, j + 2):
        back, taken = 1, 2 + ago
    else:
        return None
    lo, hi = _calendar_unit("month", today, back)
    return taken, (lo.replace(day=part[0]), hi.replace(day=min(part[1], hi.day))), True


PARSERS: tuple[Callable[[list[str], int, date], _Match | None], ...] = (
    _month_of_now,
    _relative_day,
    _n_units,
    _relative_period,
    _weekday,
    _day_month,
    _month_year,
    _year,
)

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
ABBREVIATIONS = {
    "kmrn": "kemarin",
    "kmarin": "kemarin",
    "kemaren": "kemarin",
    "kmren": "kemarin",
    "hri": "hari",
    "bln": "bulan",
    "thn": "tahun",
    "th": "tahun",
    "mgg": "minggu",
    "mggu": "minggu",
    "pkn": "pekan",
    "tgl": "tanggal",
    "tgl.": "tanggal",
    "yg": "yang",
    "weekend": "akhir pekan",
    "jumat": "jumat",
}
HABITS = ("setiap", "tiap", "saban", "sehari-hari")  # setiap hari Senin: a habit, not a day
DAY_TIMES = ("pagi", "siang", "sore", "malam")
AGO = ("lalu", "kemarin", "silam", "yang lalu", "yg lalu")
INTRODUCERS = ("pada", "tanggal", "di", "dalam", "selama", "sepanjang", "medio")
CONNECTORS = ("sampai", "hingga", "s/d", "sd", "-", "–", "dan")  # between the two ends of a range
BOUNDS = {
    "sejak": "since",
    "mulai": "since",
    "semenjak": "since",
    "sampai": "until",
    "hingga": "until",
    "sebelum": "before",
    "setelah": "after",
    "sesudah": "after",
    "dari": "range",
    "antara": "range",
}
PARTS = {"awal": (1, 10), "pertengahan": (11, 20), "tengah": (11, 20), "akhir": (21, 31)}
YEAR_PARTS = {"awal": (1, 4), "pertengahan": (5, 8), "tengah": (5, 8), "akhir": (9, 12)}
MIN_YEAR = 1900
WORD = re.compile(r'"[^"]*"?|\S+')
EDGE_PUNCT = ".,;:!?()[]"
NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
DAY_SLASH_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$")
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


TITLE_PHRASE_MIN = 2  # titles writing a date after the query's words that make it a name (Piala Dunia 2018)
TITLE_PHRASE_SHARE = 0.05  # ... and the share of the titles with those words that do


def title_phrases(q: str, reading: DateReading) -> tuple[str, str] | None:
    """(the up to two plain words before the date words followed by them, those
    words alone), each as a ``title:"..."`` query; None when no plain word
    precedes the date. How many titles match each tells a name with its date
    (*Piala Dunia 2018*) from a date filter (:func:`written_with`)."""
    plain = [w for w in q[: q.find(reading.text)].split() if w.strip("()").isalnum() or "-" in w[1:]]
    before = [w.strip("()") for w in plain if not w.startswith("-") and w != "OR"][-2:]
    if not before:
        return None
    words = " ".join(before)
    return f'title:"{words} {reading.text.replace(chr(34), "")}"', f'title:"{words}"'


def written_with(with_date: int, alone: int) -> bool:
    """Whether titles write the words followed by the date often enough (of
    ``alone`` titles with the words, ``with_date`` add the date) to read the
    date words as part of a name."""
    return with_date >= TITLE_PHRASE_MIN and with_date >= TITLE_PHRASE_SHARE * alone


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
    """The query's words, normalised (chat abbreviations written out: kmrn,
    bln, thn, tgl); a word that stands for two (weekend) is two tokens over
    the same characters."""
    out = []
    for m in WORD.finditer(text):
        raw = m[0]
        free = (not raw.startswith(('"', "-")) or raw in ("-", "–")) and ":" not in raw
        norm = raw.lower().strip(EDGE_PUNCT) if free else raw
        if raw in ("-", "–"):
            norm = raw
        for part in ABBREVIATIONS.get(norm, norm).split():
            out.append(_Token(part, m.start(), m.end(), free and bool(norm)))
    return out


def _expression(norms: list[str], i: int, today: date) -> tuple[int, int, Range, bool] | None:
    """A date expression starting at ``i`` (with its bound word and
    introducers, and a second end after sampai, hingga, s/d, -): (first
    token, tokens taken, range, relative)."""
    if any(w in HABITS for w in norms[max(0, i - 2) : i]):
        return None
    j = i
    bound = BOUNDS.get(norms[j])
    if bound:
        j += 1
    introduced = False
    while j < len(norms) and norms[j] in INTRODUCERS:
        introduced = introduced or norms[j] == "tanggal"
        j += 1
    found = _one(norms, j, today, introduced)
    if found is None:
        return _day_then_range(norms, i, j, today) if bound in (None, "range") else None
    taken, (lo, hi), relative = found
    end = j + taken
    if bound in (None, "range") and end < len(norms) and norms[end] in CONNECTORS:
        if norms[end] != "dan" or norms[i] == "antara":
            second = _one(norms, end + 1, today, False)
            if second is not None:
                hi = second[1][1]
                return i, end + 1 + second[0] - i, (lo, hi), relative and second[2]
    if bound == "range" and norms[i] == "antara":
        return None
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
    return i, end - i, (lo, hi), relative


def _one(norms: list[str], j: int, today: date, introduced: bool) -> _Match | None:
    """One date at ``j``: the first parser that reads one; a weekday before an
    explicit date (Rabu 11 September 2019) goes with it and the date decides."""
    if introduced:
        alone = _day_of_this_month(norms, j, today)
        if alone is not None:
            return alone
    for parse in PARSERS:
        found = parse(norms, j, today)
        if found is not None:
            if parse is _weekday:
                after = _day_month(norms, j + found[0], today)
                if after is not None:
                    return found[0] + after[0], after[1], False
            return found
    return None


def _day_of_this_month(norms: list[str], j: int, today: date) -> _Match | None:
    """tanggal 17 (no month after it): that day of this month (of the last one if still to come)."""
    if j >= len(norms) or not norms[j].isdigit() or not 1 <= int(norms[j]) <= 31:
        return None
    if _month_at(norms, j + 1, short=True) is not None:
        return None
    day = int(norms[j])
    year, month = today.year, today.month
    if day > today.day:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    if day > calendar.monthrange(year, month)[1]:
        return None
    return 1, (date(year, month, day), date(year, month, day)), False


def _day_then_range(norms: list[str], i: int, j: int, today: date) -> tuple[int, int, Range, bool] | None:
    """1 sampai 5 September, 1 - 5 September 2019: a bare first day takes the second's month."""
    if j + 2 >= len(norms) or not norms[j].isdigit() or norms[j + 1] not in CONNECTORS:
        return None
    if norms[j + 1] == "dan" and norms[i] != "antara":
        return None
    second = _day_month(norms, j + 2, today)
    if second is None or second[1][0] is None:
        return None
    try:
        first = second[1][0].replace(day=int(norms[j]))
    except ValueError:
        return None
    if first > second[1][0]:
        return None
    return i, j + 2 + second[0] - i, (first, second[1][1]), False


# -- the expressions, each (words, at, today) -> (taken, range, relative) | None ---------


def _at(norms: list[str], j: int, *words: str) -> bool:
    return norms[j : j + len(words)] == list(words)


def _relative_day(norms: list[str], j: int, today: date) -> _Match | None:
    one = timedelta(days=1)
    word = norms[j] if j < len(norms) else ""
    following = norms[j + 1] if j + 1 < len(norms) else ""
    if _at(norms, j, "hari", "ini"):
        return 2, (today, today), True
    if _at(norms, j, "dini", "hari", "tadi") or _at(norms, j, "dini", "hari", "ini"):
        return 3, (today, today), True
    if _at(norms, j, "kemarin", "lusa"):
        return 2, (today - 2 * one, today - 2 * one), True
    if _at(norms, j, "tadi", "malam") or _at(norms, j, "malam", "tadi") or word == "semalam":
        return (1 if word == "semalam" else 2), (today - one, today), True
    if word == "tadi" and following in DAY_TIMES:
        return 2, (today, today), True
    if word in DAY_TIMES and following in ("ini", "tadi"):
        return 2, (today, today), True
    if _at(norms, j, "hari", "kemarin"):
        return 2, (today - one, today - one), True
    if word == "kemarin" and not _at(norms, j + 1, "dulu"):
        return 1 + (following in DAY_TIMES), (today - one, today - one), True
    return None


def _relative_period(norms: list[str], j: int, today: date) -> _Match | None:
    """minggu/pekan/bulan/tahun lalu or ini, akhir pekan."""
    word = norms[j] if j < len(norms) else ""
    if word == "akhir" and j + 1 < len(norms) and norms[j + 1] in ("pekan", "minggu"):
        this_monday = today - timedelta(days=today.weekday())
        if _at(norms, j + 2, "kemarin"):
            return 3, _weekend(today), True
        if _ago(norms, j + 2):
            saturday = this_monday - timedelta(days=2)
            return 2 + _ago(norms, j + 2), (saturday, saturday + timedelta(days=1)), True
        if _at(norms, j + 2, "depan"):
            return None
        if _at(norms, j + 2, "ini") and today.weekday() < 5:
            return None  # this coming weekend: the future
        taken = 3 if _at(norms, j + 2, "ini") else 2 + (_at(norms, j + 2, "kemarin"))
        return taken, _weekend(today), True
    unit = UNITS.get(word)
    if unit is None or unit == "day":
        return None
    ago = _ago(norms, j + 1)
    if ago:
        return 1 + ago, _calendar_unit(unit, today, 1), True
    if _at(norms, j + 1, "ini"):
        return 2, (_calendar_unit(unit, today, 0)[0], today), True
    return None


def _weekend(today: date) -> Days:
    """The most recent Saturday-Sunday that has begun (clipped at today by the caller)."""
    this_monday = today - timedelta(days=today.weekday())
    saturday = this_monday + timedelta(days=5) if today.weekday() >= 5 else this_monday - timedelta(days=2)
    return saturday, saturday + timedelta(days=1)


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
    if _at(norms, j, "24", "jam", "terakhir"):
        return 3, (today - timedelta(days=1), today), True
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


ROLLING_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _rolling_start(unit: str, today: date, n: int) -> date:
    """The first day of the last ``n`` units ending today (today counts; a month is 30 days)."""
    return today - timedelta(days=ROLLING_DAYS[unit] * n - 1)


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
    if norms[k] == "sabtu" and _at(norms, k + 1, "minggu") and (ago := _ago(norms, k + 2)):
        return 2 + ago + hari, _weekend(today), True
    if k + 1 < len(norms) and norms[k + 1] in ("pekan", "minggu") and (ago := _ago(norms, k + 2)):
        monday = today - timedelta(days=today.weekday() + 7)
        day = monday + timedelta(days=target)
        return hari + 2 + ago, (day, day), True
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
    if m := DAY_SLASH_MONTH.match(word):
        d, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            return None
        try:
            day = date(_latest(mo, d, today), mo, d)
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
    ago = _ago(norms, k + 1) if year is None else 0
    if year is None:
        year = _latest(month, None, today)
        if ago and (year, month) == (today.year, today.month):
            year -= 1  # "september lalu" in September: last year's
        taken += ago
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

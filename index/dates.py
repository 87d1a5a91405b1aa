"""Publication dates: Indonesian date lines, ISO 8601, and the WIB/WITA/WIT zones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
USEC_PER_DAY = 86_400 * 1_000_000  # Whoosh's datetime longs count microseconds
ZONES = {
    "WIB": WIB,
    "WITA": timezone(timedelta(hours=8), "WITA"),
    "WIT": timezone(timedelta(hours=9), "WIT"),
}
MONTHS = {
    "januari": 1,
    "jan": 1,
    "january": 1,
    "februari": 2,
    "feb": 2,
    "pebruari": 2,
    "february": 2,
    "maret": 3,
    "mar": 3,
    "march": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "juni": 6,
    "jun": 6,
    "june": 6,
    "juli": 7,
    "jul": 7,
    "july": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "aug": 8,
    "august": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "october": 10,
    "november": 11,
    "nov": 11,
    "nopember": 11,
    "desember": 12,
    "des": 12,
    "dec": 12,
    "december": 12,
}
WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")

# "SABTU, 01 JULI 2023 | 12:00 WIB" (weekday optional, "." or ":" in the time)
INDONESIAN_DATETIME = re.compile(
    r"^(?:(?P<weekday>[A-Za-z']+),?\s+)?(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+"
    r"(?P<year>\d{4})(?:\s*[|,-]?\s*(?:pukul\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?::\d{2})?\s*(?P<zone>WIB|WITA|WIT)?)?\s*$",
    re.IGNORECASE,
)


class DateError(ValueError):
    """A publication date that cannot be read."""


def parse_indonesian(text: str) -> tuple[datetime, bool]:
    """Parse "Sabtu, 01 Juli 2023 | 12:00 WIB" -> (aware datetime, has_time)."""
    m = INDONESIAN_DATETIME.match(text.strip())
    if not m:
        raise DateError(f"not an Indonesian date: {text!r}")
    weekday = (m["weekday"] or "").lower().replace("'", "")
    if weekday and weekday not in WEEKDAYS and weekday != "jum'at":
        raise DateError(f"unknown weekday {m['weekday']!r} in {text!r}")
    month = MONTHS.get(m["month"].lower())
    if month is None:
        raise DateError(f"unknown month {m['month']!r} in {text!r}")
    zone = ZONES[m["zone"].upper()] if m["zone"] else WIB
    try:
        day = date(int(m["year"]), month, int(m["day"]))
        if m["hour"] is None:
            return datetime.combine(day, time(0, 0), WIB), False
        return datetime.combine(day, time(int(m["hour"]), int(m["minute"])), zone), True
    except ValueError as exc:
        raise DateError(f"impossible date {text!r}: {exc}") from None


def parse_published(value: object) -> tuple[datetime, bool]:
    """Read a ``published`` value: ISO 8601 date or datetime, or an Indonesian
    date line. A datetime without offset is taken as WIB, as the outlets publish."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DateError("missing 'published' (a date such as 2019-09-05 or 2019-09-05T07:30:00+07:00)")
    if not isinstance(value, str):
        raise DateError(f"'published' must be a string, not {type(value).__name__}")
    text = value.strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return datetime.combine(date.fromisoformat(text), time(0, 0), WIB), False
        except ValueError:
            raise DateError(f"invalid date {text!r}") from None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return parse_indonesian(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=WIB)
    return parsed, True


def format_published(published: datetime, has_time: bool) -> str:
    """ISO 8601: a bare date where the source gave only a date."""
    if not has_time:
        return published.astimezone(WIB).date().isoformat()
    return published.isoformat(timespec="seconds")


def to_utc_naive(moment: datetime) -> datetime:
    """Whoosh's DATETIME columns hold naive datetimes: we store UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_utc_naive(moment: datetime) -> datetime:
    """Back from the index to an aware datetime in WIB (the portal's zone)."""
    return moment.replace(tzinfo=UTC).astimezone(WIB)

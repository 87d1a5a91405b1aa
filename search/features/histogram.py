"""Date histograms of a result set (Elasticsearch's ``date_histogram``).

Buckets are Asia/Jakarta calendar days, weeks (from Monday), months or years,
every bucket between the first and the last (empty ones too, so a chart shows
the gaps), and their counts add up to the matches they were made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from index.dates import USEC_PER_DAY, WIB

MAX_BARS = 60  # "auto" picks the finest interval with at most this many buckets
WIB_OFFSET_US = WIB.utcoffset(None) // timedelta(microseconds=1)
EPOCH = date(1970, 1, 1)
WHOOSH_EPOCH_DAYS = (EPOCH - date(1, 1, 1)).days  # Whoosh's datetime longs count from year 1


@dataclass(frozen=True)
class Bucket:
    start: date  # first day, inclusive (Asia/Jakarta)
    end: date  # last day, inclusive
    count: int


def jakarta_days(published_us: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 in Asia/Jakarta (UTC+7) of Whoosh datetime longs
    (UTC microseconds since 0001-01-01)."""
    return (published_us.astype(np.int64) + WIB_OFFSET_US) // USEC_PER_DAY - WHOOSH_EPOCH_DAYS


def _bucket_keys(days: np.ndarray, interval: str) -> np.ndarray:
    """Each day's bucket, as the day number of the bucket's first day."""
    if interval == "day":
        return days
    if interval == "week":  # 1970-01-01 was a Thursday: Monday-based weeks
        return days - (days + 3) % 7
    unit = "M" if interval == "month" else "Y"
    starts = days.astype("datetime64[D]").astype(f"datetime64[{unit}]").astype("datetime64[D]")
    return starts.astype(np.int64)


def _next_start(start_day: int, interval: str) -> int:
    day = EPOCH + timedelta(days=start_day)
    if interval == "day":
        return start_day + 1
    if interval == "week":
        return start_day + 7
    if interval == "month":
        following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    else:
        following = date(day.year + 1, 1, 1)
    return (following - EPOCH).days


def choose_interval(first_day: int, last_day: int) -> str:
    """The finest interval that draws the span in at most MAX_BARS bars."""
    span = last_day - first_day + 1
    for interval, days_per_bar in (("day", 1), ("week", 7), ("month", 31)):
        if span / days_per_bar <= MAX_BARS:
            return interval
    return "year"


def histogram(published_us: np.ndarray, interval: str = "auto") -> tuple[str, list[Bucket]]:
    """(interval used, buckets) for the publication times of a set of articles."""
    return days_histogram(jakarta_days(published_us), interval)


def days_histogram(days: np.ndarray, interval: str = "auto") -> tuple[str, list[Bucket]]:
    """(interval used, buckets) for the Jakarta day numbers of a set of
    articles (one per article: a backend counting per day repeats each)."""
    if not days.size:
        return ("day" if interval == "auto" else interval), []
    if interval == "auto":
        interval = choose_interval(int(days.min()), int(days.max()))
    keys = _bucket_keys(days, interval)
    first, last = int(keys.min()), int(keys.max())
    present, counts = np.unique(keys, return_counts=True) if keys.size < 50_000 else _unique_counts(keys)
    by_start = dict(zip(present.tolist(), counts.tolist()))
    buckets, start = [], first
    while start <= last:
        following = _next_start(start, interval)
        buckets.append(
            Bucket(EPOCH + timedelta(days=start), EPOCH + timedelta(days=following - 1), by_start.get(start, 0))
        )
        start = following
    return interval, buckets


def _unique_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ordered = np.sort(keys, kind="stable")
    edges = np.flatnonzero(np.diff(ordered)) + 1
    starts = np.concatenate(([0], edges))
    return ordered[starts], np.diff(np.concatenate((starts, [ordered.size])))

"""Whole result sets as CSV or JSON Lines, written row by row.

CSV follows RFC 4180 (quoted where needed, CRLF line ends, UTF-8, optionally
with a byte-order mark so spreadsheet programs read it as UTF-8).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Literal, get_args

ExportFormat = Literal["csv", "jsonl"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
COLUMNS = ("id", "published", "source", "category", "author", "title", "url", "score", "missing_word")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
ROWS_PER_CHUNK = 200


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def export_lines(rows: Iterable[dict], fmt: str, bom: bool = False) -> Iterator[bytes]:
    """Encoded chunks of ``ROWS_PER_CHUNK`` rows (CSV with a header line)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n") if fmt == "csv" else None
    if writer is not None:
        if bom:
            buffer.write("\ufeff")
        writer.writerow(COLUMNS)
    for n, row in enumerate(rows, 1):
        if writer is not None:
            writer.writerow([_cell(row[c]) for c in COLUMNS])
        else:
            buffer.write(
                json.dumps({c: _cell(row[c]) if c == "published" else row[c] for c in COLUMNS}, ensure_ascii=False)
                + "\n"
            )
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def export_filename(q: str, fmt: str, day: str) -> str:
    """berita-kenaikan-iuran-bpjs-2026-11-24.csv: from the query, ASCII only."""
    slug = re.sub(r"[^a-z0-9]+", "-", q.lower()).strip("-")[:60] or "semua"
    return f"berita-{slug}-{day}.{fmt}"

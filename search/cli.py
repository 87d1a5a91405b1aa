"""The ``berita`` command: index commands plus search and serve."""

from __future__ import annotations

from index.cli import cli


def main() -> None:
    cli()

"""The command outputs the docs show, made by running them on the bundled
sample (cog): ``cog -r -I docs README.md docs/*.md`` regenerates them and
``cog --check`` (run by the tests) fails when a page shows what the code no
longer prints."""

from __future__ import annotations

import functools
import re
import shlex
import tempfile

import cog
from click.testing import CliRunner

from search.cli import cli

SHOWN_INDEX = "var/index"  # the default index directory, as a reader's run would print it


@functools.cache
def sample_index() -> str:
    directory = tempfile.mkdtemp(prefix="berita-docs-")
    run(["index", "--sample", "--index", directory])
    return directory


def run(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.output


def shown(command: str, fresh: bool = False) -> None:
    """A fenced block: ``$ berita COMMAND`` and what it prints over the sample
    index, or with ``fresh`` a new directory (shown as the default directory;
    times, which vary, as "…")."""
    directory = tempfile.mkdtemp(prefix="berita-docs-") if fresh else sample_index()
    output = run([*shlex.split(command), "--index", directory])
    output = output.replace(directory, SHOWN_INDEX)
    output = re.sub(r"\(\d+(?:\.\d+)? ms\)", "(… ms)", output)
    output = re.sub(r"\d+(?:\.\d+)? s \([\d,]+ docs/s\)", "… s (… docs/s)", output)
    cog.outl(f"```\n$ berita {command}\n{output.rstrip()}\n```")

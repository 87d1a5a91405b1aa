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


@functools.cache
def alerts_index() -> str:
    """A sample index of the alerts commands' own (their store changes its directory)."""
    directory = tempfile.mkdtemp(prefix="berita-docs-alerts-")
    run(["index", "--sample", "--index", directory])
    return directory


def shown(command: str, fresh: bool = False, alerts: bool = False) -> None:
    """A fenced block: ``$ berita COMMAND`` and what it prints over the sample
    index, or with ``fresh`` a new directory, or with ``alerts`` the alerts
    commands' own (shown as the default directory; times, which vary, as "…";
    alert ids, which are random, as made by the first ``alerts add``)."""
    directory = tempfile.mkdtemp(prefix="berita-docs-") if fresh else alerts_index() if alerts else sample_index()
    output = run([*shlex.split(command), "--index", directory])
    output = output.replace(directory, SHOWN_INDEX)
    if alerts:
        for i, found in enumerate(dict.fromkeys(re.findall(r"\b[0-9a-f]{16}\b", output))):
            output = output.replace(found, f"{i + 1:x}".rjust(16, "0"))
    output = re.sub(r"\(\d+(?:\.\d+)? ms\)", "(… ms)", output)
    output = re.sub(r"\d+(?:\.\d+)? s \([\d,]+ docs/s\)", "… s (… docs/s)", output)
    cog.outl(f"```\n$ berita {command}\n{output.rstrip()}\n```")

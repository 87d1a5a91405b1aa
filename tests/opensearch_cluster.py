"""A real OpenSearch cluster for tests and benchmarks, driven through tests/opensearch/cluster.sh.

The shell script is the one launcher (CI, the fixtures and bench scripts all use it); this module
only runs it and reads what it prints: the nodes' HTTP URLs, one per line.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

CLUSTER_SH = Path(__file__).resolve().parent / "opensearch" / "cluster.sh"
# Set to reuse a running cluster (comma- or space-separated node URLs) instead of starting one.
URLS_VARIABLE = "BERITA_OPENSEARCH_URLS"
MISSING_TOOL_EXIT = 3  # cluster.sh check: Java 21+ or mvn is absent
START_TIMEOUT_S = 600  # cluster.sh bounds its own wait; this only guards against a hung script


class ClusterError(RuntimeError):
    """cluster.sh failed; the message carries its stderr (with the node logs' tail)."""


@dataclass(frozen=True)
class Cluster:
    """Nodes on 127.0.0.1: their HTTP URLs, and the directory holding them (None when reused)."""

    urls: list[str]
    directory: Path | None = None

    def restart(self, node: int) -> str:
        """Start node ``node`` (1-based) again after it was stopped or killed; its URL once it joined."""
        if self.directory is None:
            raise ClusterError(f"a cluster given by {URLS_VARIABLE} is not ours to restart")
        return run("restart", str(self.directory), str(node))[0]

    def pid(self, node: int) -> int:
        """The process id of node ``node`` (1-based), from the pid file cluster.sh writes."""
        if self.directory is None:
            raise ClusterError(f"a cluster given by {URLS_VARIABLE} has no pid files here")
        return int((self.directory / f"node-{node}.pid").read_text().strip())


def run(*args: str, timeout: float = START_TIMEOUT_S) -> list[str]:
    """Run cluster.sh with ``args``; the lines it printed on stdout. Raises ClusterError."""
    done = subprocess.run(
        ["bash", str(CLUSTER_SH), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise ClusterError(f"cluster.sh {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return [line for line in done.stdout.splitlines() if line.strip()]


def missing_tool() -> str | None:
    """Why no cluster can be started on this machine (no Java 21+, no Maven), or None."""
    done = subprocess.run(
        ["bash", str(CLUSTER_SH), "check"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    if done.returncode == MISSING_TOOL_EXIT:
        return done.stderr.strip().removeprefix("cluster.sh: cannot run OpenSearch here: ")
    if done.returncode != 0:
        raise ClusterError(f"cluster.sh check exited {done.returncode}:\n{done.stderr}")
    return None


def given_urls() -> list[str]:
    """The node URLs in BERITA_OPENSEARCH_URLS, if set."""
    return [url for url in re.split(r"[,\s]+", os.environ.get(URLS_VARIABLE, "")) if url]


def start(directory: Path, nodes: int = 3) -> Cluster:
    """Start ``nodes`` nodes under ``directory`` and wait for green."""
    return Cluster(urls=run("start", str(directory), str(nodes)), directory=directory)


def stop(directory: Path) -> None:
    """Stop the nodes under ``directory`` (bounded: SIGKILL after 60 s)."""
    run("stop", str(directory), timeout=180)

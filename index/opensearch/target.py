"""Where the cluster is: its nodes' URLs and the index (an alias) Berita uses.

A plain value (no client here), so the CLI and the service configuration can
carry it without importing ``opensearch-py``; :meth:`ClusterTarget.client`
imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_INDEX = "berita"
REQUEST_TIMEOUT = 3.0  # seconds one HTTP call to a node may take (searches carry a 1 s budget of their own)
WRITE_TIMEOUT = 30.0  # seconds a _bulk call may take (it waits for the refresh that makes it searchable)
CONNECT_RETRIES = 2  # another node is tried this many times when one does not answer


class ClusterUnavailable(RuntimeError):
    """The cluster did not answer within the bounded wait (every node tried):
    nothing was read or written; try again after ``retry_after`` seconds."""

    def __init__(self, detail: str, retry_after: int = 5):
        super().__init__(detail)
        self.retry_after = retry_after


class ClientMissing(RuntimeError):
    """``opensearch-py`` is not installed (the ``opensearch`` extra)."""


@dataclass(frozen=True)
class ClusterTarget:
    """Every node the client may use (it fails over between them), and the
    index name searches and writes go to."""

    urls: tuple[str, ...]
    index: str = DEFAULT_INDEX
    timeout: float = REQUEST_TIMEOUT

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError("an OpenSearch backend needs at least one --opensearch-url")
        for url in self.urls:
            if not url.lower().startswith(("http://", "https://")):
                raise ValueError(f"an OpenSearch URL starts with http:// or https://, not {url!r}")
        if not self.index or self.index != self.index.lower() or self.index.startswith(("_", "-", "+")):
            raise ValueError(f"an OpenSearch index name is lower case and starts with a letter, not {self.index!r}")

    def client(self) -> Any:
        """An ``OpenSearch`` client that knows every node, retries another
        node on a connection error or timeout, and waits at most ``timeout``
        seconds per call."""
        try:
            from opensearchpy import OpenSearch
        except ImportError:  # pragma: no cover - depends on the install
            raise ClientMissing(
                "the OpenSearch backend needs opensearch-py: pip install 'berita[opensearch]'"
            ) from None
        return OpenSearch(
            hosts=list(self.urls),
            timeout=self.timeout,
            max_retries=CONNECT_RETRIES,
            retry_on_timeout=True,
            http_compress=False,
        )

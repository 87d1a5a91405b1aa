"""The calls to the cluster, and what their failures mean to a reader.

Every module of the cluster backend asks the cluster through
:class:`Cluster`: no node answering (or a search that lost a shard copy twice)
is :class:`ClusterUnavailable` (503 with Retry-After), a query the cluster
refuses is the reader's :class:`InvalidRequest` (400), never a 500.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from index.opensearch.target import ClusterTarget
from index.opensearch.writer import connection_errors, unavailable

from ...rank.scoring import BM25F
from ...request import InvalidRequest
from .translate import Translator

SHARD_FAILURE_TRIES = 2  # a search that lost a shard copy mid-request is asked this many times in all
SHARD_FAILURE_PAUSE = 0.5  # seconds before asking again: the replica is promoted meanwhile


def reason(exc: Exception) -> str:
    """The root cause an OpenSearch error gives, in a line."""
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        causes = info.get("error", {}).get("root_cause") or [{}]
        return str(causes[0].get("reason") or info.get("error", {}).get("reason") or exc)
    return str(exc)


class Cluster:
    """One index (an alias) of one cluster: the client, the calls with their
    failure mapping, and the query translator that fits the cluster's version."""

    def __init__(self, target: ClusterTarget, client: Any | None = None, budget_seconds: float | None = None):
        self.target = target
        self.client = client if client is not None else target.client()
        self.index = target.index
        self.budget_seconds = budget_seconds
        self._translator: Translator | None = None

    def call(self, method: Callable[..., dict], **kwargs) -> dict:
        """One call to the cluster; no node answering is :class:`ClusterUnavailable`.
        A search that lost a shard copy while a node died (a 500
        ``search_phase_execution_exception``, or shards reported failed) is
        asked once more, when the replicas have taken over; then it is the
        cluster's trouble (503), never the reader's (500)."""
        from opensearchpy.exceptions import TransportError

        for attempt in range(SHARD_FAILURE_TRIES):
            last = attempt == SHARD_FAILURE_TRIES - 1
            try:
                answer = method(**kwargs)
            except connection_errors() as exc:
                raise unavailable(self.target, exc) from exc
            except TransportError as exc:
                if exc.status_code == 400:  # a query the cluster will not run (too many clauses): the reader's
                    raise InvalidRequest("q", f"the search cluster cannot run this query: {reason(exc)}") from exc
                server_side = isinstance(exc.status_code, int) and exc.status_code >= 500
                if exc.status_code in (429, 502, 503, 504) or (server_side and last):
                    raise unavailable(self.target, exc) from exc
                if not server_side:
                    raise
                time.sleep(SHARD_FAILURE_PAUSE)
                continue
            failed = answer.get("_shards", {}).get("failed", 0) if isinstance(answer, dict) else 0
            if not failed:
                return answer
            if last:
                raise unavailable(self.target, RuntimeError(f"{failed} shards failed to answer"))
            time.sleep(SHARD_FAILURE_PAUSE)
        raise AssertionError("unreachable")  # (the last attempt returns or raises)

    @property
    def translator(self) -> Translator:
        """``combined_fields`` on OpenSearch 3.2+, ``cross_fields`` before."""
        if self._translator is None:
            number = self.call(self.client.info)["version"]["number"]
            major, minor = (int(part) for part in number.split(".")[:2])
            shipped = BM25F()
            self._translator = Translator((major, minor) >= (3, 2), shipped.exact_share, shipped.proximity_share)
        return self._translator

    def search(self, body: dict, **params) -> dict:
        """A search of the index within the request budget (the cluster stops
        collecting when it runs out and says ``timed_out``)."""
        if self.budget_seconds:
            body = {**body, "timeout": f"{int(self.budget_seconds * 1000)}ms"}
        return self.call(self.client.search, index=self.index, body=body, params=params or None)

    def count(self, query: dict) -> int:
        return int(self.call(self.client.count, index=self.index, body={"query": query})["count"])

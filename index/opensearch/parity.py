"""Whether the cluster indexes what Whoosh indexes: a text's terms and
positions as Berita's analysis gives them (what Whoosh stores) next to what
the cluster's ``berita_tokens`` analyser makes of the stream sent for it
(what OpenSearch stores). Used by the parity test and bench/analysis_parity.py."""

from __future__ import annotations

from typing import Any

from whoosh.analysis import CompositeAnalyzer

from .documents import token_positions, token_stream

Terms = list[tuple[int, str]]  # (position, term), sorted


def whoosh_terms(analyzer: CompositeAnalyzer, text: str) -> Terms:
    """(position, term) of every token Whoosh indexes for ``text``."""
    return sorted((t.pos, t.text) for t in analyzer(text, positions=True, mode="index"))


def cluster_terms(client: Any, index: str, streams: list[str]) -> list[Terms]:
    """(position, term) of every token the cluster indexes for each stream,
    one ``_analyze`` call per stream."""
    out = []
    for stream in streams:
        answer = client.indices.analyze(index=index, body={"analyzer": "berita_tokens", "text": stream})
        out.append(sorted((t["position"], t["token"]) for t in answer["tokens"]))
    return out


def compare(client: Any, index: str, analyzer: CompositeAnalyzer, texts: list[str]) -> list[tuple[str, Terms, Terms]]:
    """(text, Whoosh's terms, the cluster's) for each text where they differ."""
    streams = [token_stream(token_positions(analyzer, text)) for text in texts]
    theirs = cluster_terms(client, index, streams)
    return [
        (text, ours, cluster)
        for text, cluster in zip(texts, theirs)
        if (ours := whoosh_terms(analyzer, text)) != cluster
    ]

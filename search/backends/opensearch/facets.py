"""Facets and the date histogram as the cluster's aggregations (Asia/Jakarta
days), each facet counted under the other kinds' filters, with the labels
the Whoosh snapshot would show."""

from __future__ import annotations

import numpy as np

from index.schema import KEYED_COLUMNS

from ...features.histogram import Bucket, days_histogram
from ...reader.snapshot import SPELLED_COLUMNS, readable_label
from ...request import SearchRequest
from .cluster import Cluster
from .generation import GenerationWatch

WIB_OFFSET_MS = 7 * 3_600_000  # a Jakarta day's bucket key is its midnight in UTC milliseconds
MS_PER_DAY = 86_400_000


def aggregations(request: SearchRequest, keyed: dict[str, dict]) -> dict:
    """The aggregations for the facets ``request`` asks, given its keyed filters."""
    aggs: dict = {}
    for kind in sorted(request.facets & set(KEYED_COLUMNS)):
        others = [c for k, c in keyed.items() if k != kind]
        column = KEYED_COLUMNS[kind]
        label = "author_label" if kind == "author" else f"{kind}_label"
        aggs[f"facet_{kind}"] = {
            "filter": {"bool": {"filter": others}},
            "aggs": {
                "keys": {
                    "terms": {
                        "field": column,
                        "size": request.facet_size,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    },
                    "aggs": {"label": {"terms": {"field": label, "size": 1}}},
                },
                "distinct": {"cardinality": {"field": column, "precision_threshold": 40_000}},
            },
        }
    if "date" in request.facets:
        aggs["days"] = {
            "filter": {"bool": {"filter": list(keyed.values())}},
            "aggs": {
                "days": {
                    "date_histogram": {
                        "field": "published",
                        "calendar_interval": "day",
                        "time_zone": "Asia/Jakarta",
                    }
                }
            },
        }
    return aggs


def histogram_of(found: dict, request: SearchRequest) -> tuple[str, list[Bucket]] | None:
    """The date histogram from the answer's aggregations (None if not asked)."""
    if "date" not in request.facets:
        return None
    buckets = found["days"]["days"]["buckets"]
    days = np.repeat(
        np.array([(b["key"] + WIB_OFFSET_MS) // MS_PER_DAY for b in buckets], dtype=np.int64),
        np.array([b["doc_count"] for b in buckets], dtype=np.int64),
    )
    return days_histogram(days, request.interval)


class FacetLabels:
    """Facets read from an answer, labelled as the Whoosh snapshot labels them."""

    def __init__(self, cluster: Cluster, generation: GenerationWatch):
        self.cluster = cluster
        self.generation = generation

    def facets_of(
        self, found: dict, request: SearchRequest
    ) -> tuple[dict[str, list[tuple[str, str, int]]], dict[str, int]]:
        """(kind -> [(key, label, count)], kind -> how many keys were not listed)."""
        facets: dict[str, list[tuple[str, str, int]]] = {}
        facets_more: dict[str, int] = {}
        for kind in sorted(request.facets & set(KEYED_COLUMNS)):
            agg = found[f"facet_{kind}"]
            spelled = self.spelled().get(KEYED_COLUMNS[kind], {})
            listed = [
                (
                    b["key"],
                    spelled.get(b["key"]) or (b["label"]["buckets"] or [{"key": b["key"]}])[0]["key"],
                    int(b["doc_count"]),
                )
                for b in agg["keys"]["buckets"]
            ]
            facets[kind] = listed
            facets_more[kind] = max(0, int(agg["distinct"]["value"]) - len(listed))
        return facets, facets_more

    def spelled(self) -> dict[str, dict[str, str]]:
        """Per spelled column, key -> how it is shown: the spelling most
        articles give it (a category section counting the spellings of the
        paths under it), an all-lowercase one capitalised; as the Whoosh
        snapshot chooses them, per generation."""
        return self.generation.kept("labels", self._read_spelled)

    def _read_spelled(self) -> dict[str, dict[str, str]]:
        aggs = {
            column: {
                "terms": {"field": f"{column}_label", "size": 65_536},
                "aggs": {"keys": {"terms": {"field": column, "size": 1}}},
            }
            for column in SPELLED_COLUMNS
        }
        answer = self.cluster.search({"size": 0, "aggs": aggs})["aggregations"]
        labels: dict[str, dict[str, str]] = {}
        for column in SPELLED_COLUMNS:
            tally: dict[str, dict[str, int]] = {}
            for bucket in answer[column]["buckets"]:
                if not bucket["keys"]["buckets"]:
                    continue
                label, key, n = bucket["key"].strip(), bucket["keys"]["buckets"][0]["key"], bucket["doc_count"]
                parts, key_parts = [p.strip() for p in label.split("/")], key.split("/")
                sections = column == "category"
                pairs = [(key, " / ".join(p for p in parts if p) if sections else label)]
                if sections and len(parts) == len(key_parts):
                    pairs += [("/".join(key_parts[:d]), " / ".join(parts[:d])) for d in range(1, len(parts))]
                for k, spelling in pairs:
                    votes = tally.setdefault(k, {})
                    votes[spelling] = votes.get(spelling, 0) + n
            labels[column] = {k: readable_label(max(v, key=lambda sp: (v[sp], sp))) for k, v in tally.items()}
        return labels

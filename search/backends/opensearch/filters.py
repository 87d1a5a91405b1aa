"""A request's filters as the cluster's: the date range (Asia/Jakarta moments
in UTC) and the keyed filters (category with its subsections, source written
loosely, author), checked against the keys the index holds."""

from __future__ import annotations

from datetime import UTC, datetime

from index.model import normalise_key
from index.schema import KEYED_COLUMNS

from ...rank.filters import LISTED_AT_MOST, loose_source
from ...request import InvalidRequest, SearchRequest
from .cluster import Cluster
from .generation import GenerationWatch


def utc(moment: datetime) -> datetime:
    """In UTC, clamped: year 1 or 9999 with an offset still compares (as the Whoosh filters clamp)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if moment.year < 5000 else datetime.max.replace(tzinfo=UTC)


class RequestFilters:
    """Filter clauses for requests, with the index's keys read once per generation."""

    def __init__(self, cluster: Cluster, generation: GenerationWatch):
        self.cluster = cluster
        self.generation = generation

    def known_keys(self) -> dict[str, list[str]]:
        """The keys the index holds per keyed column (for filter errors), per generation."""
        return self.generation.kept("keys", self._read_keys)

    def _read_keys(self) -> dict[str, list[str]]:
        aggs = {column: {"terms": {"field": column, "size": 65_536}} for column in KEYED_COLUMNS.values()}
        answer = self.cluster.search({"size": 0, "aggs": aggs})["aggregations"]
        return {column: [b["key"] for b in answer[column]["buckets"]] for column in KEYED_COLUMNS.values()}

    def of(self, request: SearchRequest) -> tuple[list[dict], dict[str, dict]]:
        """(the date filter's clauses, one clause per keyed filter kind)."""
        dates: list[dict] = []
        bounds = {}
        if request.date_from is not None:
            bounds["gte"] = utc(request.date_from).isoformat()
        if request.date_to is not None:
            bounds["lte"] = utc(request.date_to).isoformat()
        if bounds:
            dates.append({"range": {"published": bounds}})
        keyed: dict[str, dict] = {}
        for kind, values in (
            ("category", request.categories),
            ("source", request.sources),
            ("author", request.authors),
        ):
            wanted = sorted({k for k in (normalise_key(v) for v in values) if k})
            if not wanted:
                continue
            column = KEYED_COLUMNS[kind]
            known = self.known_keys()[column]
            if kind == "source":
                resolved: set[str] = set()
                for name in wanted:
                    matches = [k for k in known if loose_source(k) == loose_source(name)]
                    if not matches:
                        raise InvalidRequest(
                            "source", f"no source {name!r} in the index; known sources: {', '.join(sorted(known))}"
                        )
                    resolved.update(matches)
                wanted = sorted(resolved)
            else:
                unknown = [k for k in wanted if k not in known and not any(x.startswith(k + "/") for x in known)]
                if unknown:
                    listed = (
                        f"known {kind} keys: {', '.join(sorted(known))}"
                        if len(known) <= LISTED_AT_MOST
                        else f"the index holds {len(known):,}; "
                        f"facets={kind}&facet_size=1000 lists them with their counts"
                    )
                    raise InvalidRequest(kind, f"no {kind} {unknown[0]!r} in the index; {listed}")
            should: list[dict] = [{"terms": {column: wanted}}]
            if kind == "category":  # a section also passes its subsections
                should += [{"prefix": {column: k + "/"}} for k in wanted]
            keyed[kind] = {"bool": {"should": should, "minimum_should_match": 1}}
        return dates, keyed

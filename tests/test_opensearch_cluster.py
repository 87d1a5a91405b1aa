"""The test cluster itself: three nodes that form one green cluster, and an index of 3 shards
with a replica each that goes green with every copy on a different node than its primary."""

from __future__ import annotations

import uuid

import pytest
from opensearchpy import OpenSearch

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]


def client_for(urls: list[str]) -> OpenSearch:
    return OpenSearch(hosts=urls, timeout=30, max_retries=3, retry_on_timeout=True)


def test_three_nodes_form_one_green_cluster(opensearch_urls):
    assert len(opensearch_urls) == 3
    assert all(url.startswith("http://127.0.0.1:") for url in opensearch_urls)
    names = set()
    for url in opensearch_urls:  # every node answers for the same cluster
        health = client_for([url]).cluster.health(wait_for_status="green")
        assert health["status"] == "green", health
        assert health["number_of_nodes"] == 3, health
        names.add(health["cluster_name"])
    assert len(names) == 1


def test_an_index_of_three_shards_and_a_replica_goes_green(opensearch_urls):
    client = client_for(opensearch_urls)
    name = f"cluster-test-{uuid.uuid4().hex[:8]}"
    client.indices.create(index=name, body={"settings": {"number_of_shards": 3, "number_of_replicas": 1}})
    try:
        health = client.cluster.health(index=name, wait_for_status="green")
        assert health["status"] == "green", health
        assert (health["active_primary_shards"], health["active_shards"]) == (3, 6), health
        shards = client.cat.shards(index=name, format="json")
        assert len(shards) == 6
        assert {row["state"] for row in shards} == {"STARTED"}
        nodes_of_shard: dict[str, set[str]] = {}
        for row in shards:
            nodes_of_shard.setdefault(row["shard"], set()).add(row["node"])
        # a primary and its replica never share a node, so any one node may be lost
        assert all(len(nodes) == 2 for nodes in nodes_of_shard.values()), shards
        assert len({row["node"] for row in shards}) == 3

        client.index(index=name, id="a-1", body={"title": "Harga cabai naik"}, refresh="wait_for")
        found = client.search(index=name, body={"query": {"match": {"title": "cabai"}}})
        assert [hit["_id"] for hit in found["hits"]["hits"]] == ["a-1"]
    finally:
        client.indices.delete(index=name)

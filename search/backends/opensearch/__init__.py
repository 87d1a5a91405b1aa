"""Berita over an OpenSearch cluster: query plans as query DSL
(:mod:`.translate`) and the engine (:mod:`.engine`). The documents, mappings
and writes are the indexer's (:mod:`index.opensearch`)."""

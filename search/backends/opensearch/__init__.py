"""Berita over an OpenSearch cluster: :mod:`.engine` implements the engine
seam and delegates to one module per job (the cluster's calls, the
generation, query plans as DSL, filters, a page of results, facets, date
words, did-you-mean, autocomplete, related stories, export, writes). The
documents, mappings and writes are the indexer's (:mod:`index.opensearch`)."""

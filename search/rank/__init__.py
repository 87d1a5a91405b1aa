"""Matching and ranking: plans scored with array operations (:mod:`.scoring`),
filters as masks (:mod:`.filters`), reranking of a bounded top-K
(:mod:`.rerank`), and the one pipeline every search, export and related
query runs through (:mod:`.pipeline`)."""

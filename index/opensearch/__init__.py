"""Berita's articles in an OpenSearch cluster: where the cluster is
(:mod:`.target`), the index's settings and mappings (:mod:`.mapping`),
articles as pre-analysed documents (:mod:`.documents`) and writes through
``_bulk`` (:mod:`.writer`). ``opensearch-py`` (the ``opensearch`` extra) is
imported only when a cluster is actually used."""

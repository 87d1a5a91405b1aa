"""The index as the engine reads it: a searcher manager that swaps
point-in-time snapshots off the request path (:mod:`.manager`), each snapshot's
arrays and postings (:mod:`.snapshot`), and the per-segment data read out of
Whoosh's files (:mod:`.segments`, the one module here that knows their layout)."""

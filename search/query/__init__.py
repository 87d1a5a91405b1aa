"""The query language: the reader's text parsed (:mod:`.syntax`), compiled
with the index's analysis (:mod:`.compile`) into a plan of plain values
(:mod:`.plan`) that the ranking layer evaluates."""

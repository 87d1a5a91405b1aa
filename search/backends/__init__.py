"""Search backends other than the embedded Whoosh index (:mod:`search.engine`),
each implementing :class:`search.backend.Engine`: a folder per backend."""

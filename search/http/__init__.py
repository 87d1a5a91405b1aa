"""The HTTP face of the engine: the Falcon app (:mod:`.app`), its JSON resources
(:mod:`.resources`), the reader's pages (:mod:`.pages`), the API's shapes (:mod:`.models`),
parameter values and cursors (:mod:`.params`), problem details (:mod:`.problems`), the OpenAPI document
(:mod:`.openapi`), Atom feeds (:mod:`.feeds`) and the waitress server
(:mod:`.server`). The engine (``search/*.py``) knows nothing of HTTP."""

"""A bounded schemathesis run over /openapi.json: every operation, generated
requests (valid ones and broken ones), no server error, every answer as the
document says (status, content type, schema). Writes answer 401 without a key."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from index.readers import read_paths, sample_path
from index.writer import Indexer
from search.http.app import create_app

# schemathesis needs the schema when the tests are collected: the sample is indexed then.
INDEX = Path(tempfile.mkdtemp(prefix="berita-schema-")) / "ix"
Indexer(INDEX).ingest(read_paths([sample_path()]))
schema = schemathesis.openapi.from_wsgi("/openapi.json", create_app(INDEX))


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case):
    # Berita reads an empty parameter as absent (the page's form sends them), so
    # accepting such "negative" data is its documented leniency, not a violation.
    # Compression is tested over HTTP (test_server.py); the WSGI client here does not undo it.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"}, excluded_checks=[negative_data_rejection, positive_data_acceptance]
    )

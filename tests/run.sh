#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine with Python, then runs them:
# Debian's chromium + chromium-driver for the browser tests (never a downloaded
# browser), OpenSearch from Maven Central (mvn, into ~/.m2) for the tests marked
# `opensearch`, which start a real 3-node cluster (tests/opensearch/cluster.sh; it finds
# a JDK 21+ by itself, Temurin 25 here), a virtualenv in .venv with berita[test], the
# linters (ruff: lint and format check; mypy on index/, search/, tests/ and bench/),
# then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Debian's chromium and chromium-driver for the browser tests" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >/dev/null \
      || echo "warning: chromium could not be installed; browser tests will be skipped" >&2
  else
    echo "warning: chromium not installed and apt-get unavailable; browser tests will be skipped" >&2
  fi
fi

if bash tests/opensearch/cluster.sh check; then
  bash tests/opensearch/cluster.sh resolve
else
  echo "warning: the OpenSearch tests will be skipped (see above)" >&2
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check index search tests bench
.venv/bin/ruff format --check index search tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"

"""``python -m search`` is the ``berita`` command."""

from search.cli import main

main()

"""The docs show what the code prints: their command outputs are regenerated
by cog from real runs on the bundled sample, and checked here."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md"))]


def test_the_docs_command_outputs_are_what_the_commands_print():
    checked = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "-I", "docs", *PAGES],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, (
        f"{checked.stdout}{checked.stderr}\nregenerate with: .venv/bin/cog -r -I docs README.md docs/*.md"
    )
    assert "docs/cli.md" in checked.stdout  # the page with the outputs was checked

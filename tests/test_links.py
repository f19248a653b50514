"""Every relative link in the README, docs/ and the notebooks' text leads to a file that exists (lessons were renamed
and renumbered; a stale link is a dead end for a learner)."""

import json
import re

import pytest

from conftest import ROOT

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def texts():
    """(file, text) for the README, each docs page, and each notebook's markdown."""
    yield ROOT / "README.md", (ROOT / "README.md").read_text()
    for page in sorted((ROOT / "docs").glob("*.md")):
        yield page, page.read_text()
    for notebook in sorted((ROOT / "nbs").glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        yield notebook, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("path, text", list(texts()), ids=lambda x: getattr(x, "name", ""))
def test_relative_links_lead_to_files(path, text):
    dead = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        if not (path.parent / target).exists():
            dead.append(target)
    assert not dead, f"{path.relative_to(ROOT)} links to missing files: {dead}"

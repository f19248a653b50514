"""A figure a lesson quotes from docs/performance.md is the one the page holds (both are written by hand from one
`make bench` run, so a test keeps them together)."""

import json
import re

from conftest import ROOT

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def table_rows(text, first_cell):
    """The rows of the markdown table in `text` whose first cell starts with `first_cell`."""
    return [line for line in text.splitlines() if line.startswith(f"| {first_cell}")]


def markdown(notebook):
    cells = json.loads((ROOT / "nbs" / notebook).read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_the_worker_model_lesson_quotes_the_fairness_table_of_docs_performance():
    lesson = markdown("production_1_open_internet.ipynb")
    table = lesson[lesson.index("| | before | after | FastAPI twin |") :].split("\n\n")[0]
    quoted = table.splitlines()[2:]
    assert len(quoted) == 4, "the lesson's before/after table"
    page = (ROOT / "docs" / "performance.md").read_text()
    starts = [m.start() for m in re.finditer(re.escape("| fairness: batches of 1,000 beside single rows"), page)]
    assert starts, "docs/performance.md has no fairness table"
    tables = [page[start:].split("\n\n")[0] for start in starts]  # the latest run and the earlier ones
    numbers_on_page = set(NUMBER.findall(" ".join(table.split("\n", 1)[1] for table in tables)))
    for row in quoted:
        label, *cells = [cell.strip() for cell in row.strip("|").split("|")]
        for number in NUMBER.findall(" ".join(cells)):
            assert number in numbers_on_page, f"{label}: {number} is not in docs/performance.md's fairness table"

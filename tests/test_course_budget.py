"""The course's budgets and import order, enforced on the real nbs/ (tools/budget.py says what each one is).

Every budget holds, except the few in OPEN: budgets the course does not keep yet (issue 18), each with the figure it
has today. Those may only shrink: the test fails when one grows, when a new budget breaks, and when an open one is
kept at last (then its line in OPEN goes). `python tools/budget.py` prints the same failure lines.
"""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("budget", ROOT / "tools" / "budget.py")
budget = importlib.util.module_from_spec(spec)
spec.loader.exec_module(budget)

# the start of a failure line, and the most its first figure may be today
OPEN = {
    "Part 1: ": 189.5,  # minutes of Part 1 in all; the budget is 180
}


def open_budget(line):
    """The OPEN key that `line` reports, or None."""
    return next((key for key in OPEN if line.startswith(key) or key in line), None)


def first_figure(line, key):
    """The first number after `key` in `line`."""
    return float(re.search(r"\d+(?:\.\d+)?", line[line.index(key) + len(key) :]).group())


def test_the_course_keeps_its_budgets_and_imports_no_later_lesson():
    failures = budget.failures(ROOT)
    for line in failures:
        print(line)
    new = [line for line in failures if open_budget(line) is None]
    assert not new, f"{len(new)} broken budget(s):\n" + "\n".join(new)
    grown = [line for line in failures if first_figure(line, open_budget(line)) > OPEN[open_budget(line)]]
    assert not grown, "an open budget grew:\n" + "\n".join(grown)
    kept = [key for key in OPEN if not any(open_budget(line) == key for line in failures)]
    assert not kept, f"kept at last, remove from OPEN: {kept}"


def test_the_open_budgets_are_read_from_the_failure_lines():
    """The figures the test compares are the ones the lines give (a wrong key or parse would let anything grow)."""
    assert open_budget("Part 1: 255.5 min measured in all, at most 180 min") == "Part 1: "
    line = "nbs/lecture_5_query_endpoint.ipynb cell 4: the lecture's URL is first answered at minute 131.5 of Part 1"
    assert first_figure(line, "the lecture's URL is first answered at minute") == 131.5
    assert open_budget(line) is None  # the URL's budget is kept: a late URL is a new failure
    assert first_figure("nbs/lecture_3_model_file.ipynb: 38.8 min measured", "nbs/lecture_3_model_file.ipynb: ") == 38.8
    assert open_budget("nbs/lecture_2_train.ipynb: 41 cells, a Part 1 lesson has at most 40") is None

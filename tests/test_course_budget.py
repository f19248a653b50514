"""The course's budgets and import order, enforced on the real nbs/ (tools/budget.py says what each one is).

Every budget holds: Part 1 in at most 180 minutes, each Part 1 lesson within 35 minutes and 40 cells, each Part 2
lesson within 50 minutes, every stated time within 20% of the measured one, the lecture's URL answered in the first
75 minutes, at most six ignored outputs with their reasons, and no lesson importing a later lesson's module.
`python tools/budget.py` prints the same failure lines, and the table.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("budget", ROOT / "tools" / "budget.py")
budget = importlib.util.module_from_spec(spec)
spec.loader.exec_module(budget)


def test_the_course_keeps_its_budgets_and_imports_no_later_lesson():
    failures = budget.failures(ROOT)
    assert not failures, f"{len(failures)} broken budget(s):\n" + "\n".join(failures)


def test_the_lecture_is_retold_in_part_1_and_answered_early():
    """What the budgets are about, read from the real course: Part 1 holds lessons, the URL is answered in one."""
    lessons, _ = budget.lessons(ROOT)
    part1 = [lesson for lesson in lessons if lesson.part == budget.PART1]
    assert len(part1) >= 5
    table = budget.table(ROOT)
    assert "is first answered at minute" in table and "of Part 1, in [lecture_" in table

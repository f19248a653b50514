"""The course's budgets and import order, enforced on the real nbs/ (tools/budget.py says what each one is).

Fails until nbs/ holds the two parts' notebooks (lecture_N_*.ipynb, production_N_*.ipynb) and they keep every
budget: each failure line names the lesson and the figure. `python tools/budget.py` prints the same lines.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("budget", ROOT / "tools" / "budget.py")
budget = importlib.util.module_from_spec(spec)
spec.loader.exec_module(budget)


def test_the_course_keeps_its_budgets_and_imports_no_later_lesson():
    failures = budget.failures(ROOT)
    for line in failures:
        print(line)
    assert not failures, f"{len(failures)} broken budget(s):\n" + "\n".join(failures)

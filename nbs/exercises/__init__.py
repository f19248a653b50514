"""Self-checks for the lessons' exercises: one module a lesson (`lesson_03.py` for 03_validation).

Each `check_N(answer)` returns a line: `Exercise N: PASS`, or `Exercise N: not yet: <what is
missing>` (some lessons then quote, on the lines below, the text the answer was tried on). A
lesson's check cell prints it; `tests/test_exercises_NN.py` proves that each check passes a right
answer and refuses a wrong one, reading the lines with `passed` and `is_not_yet` below: both
formats are written in this file only.
"""

import numbers
from pathlib import Path

PASS = "Exercise {number}: PASS"
NOT_YET = "Exercise {number}: not yet: {problem}"


def verdict(number, problem=None):
    """The line a check cell prints: PASS when `problem` is None, else what is still wrong."""
    if problem is None:
        return PASS.format(number=number)
    return NOT_YET.format(number=number, problem=problem)


def passed(number):
    """The line of exercise `number` when its answer is right."""
    return verdict(number)


def is_not_yet(line, number):
    """Whether `line` is exercise `number`'s "not yet", naming what is still missing."""
    start = verdict(number, "")
    return isinstance(line, str) and line.startswith(start) and line[len(start) :].strip() != ""


def unanswered(number, name):
    """The line for an answer still at its starting value."""
    return verdict(number, f"set `{name}` in the cell above, then run this cell again")


def model_copy(number, folder, committed, hint):
    """`(model, None)` for the verified model in `folder`, or `(None, line)` saying why not.

    `hint` says how to make a copy when `folder` is the `committed` model folder itself."""
    from boston_app.model import ModelError, load_model

    if Path(folder).resolve() == Path(committed).resolve():
        return None, verdict(number, f"that is the committed model folder; {hint}")
    try:
        return load_model(folder), None
    except ModelError as e:
        return None, verdict(number, f"the service would refuse it: {e}")


def dollars(number, answer, name):
    """`(value, None)` for an answer that is a number of dollars, or `(None, line)`: why not."""
    if answer is None:
        return None, unanswered(number, name)
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):  # numpy's numbers are Real
        return None, verdict(number, "give a number of dollars")
    return float(answer), None

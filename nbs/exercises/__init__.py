"""Self-checks for the lessons' exercises: one module a lesson (`lesson_03.py` for 03_validation).

Each `check_N(answer)` returns one line: `Exercise N: PASS`, or `Exercise N: not yet: <what is
missing>`. A lesson's check cell prints it; `tests/test_exercises_NN.py` proves that each check
passes a right answer and refuses a wrong one.
"""


def verdict(number, problem=None):
    """The line a check cell prints: PASS when `problem` is None, else what is still wrong."""
    if problem is None:
        return f"Exercise {number}: PASS"
    return f"Exercise {number}: not yet: {problem}"


def unanswered(number, name):
    """The line for an answer still at its starting value."""
    return verdict(number, f"set `{name}` in the cell above, then run this cell again")

"""Self-checks for the lessons' exercises: one module a lesson (`lesson_03.py` for 03_validation).

Each `check_N(answer)` returns one line: `Exercise N: PASS`, or `Exercise N: not yet: <what is
missing>`. A lesson's check cell prints it; `tests/test_exercises_NN.py` proves that each check
passes a right answer and refuses a wrong one.
"""

from pathlib import Path


def verdict(number, problem=None):
    """The line a check cell prints: PASS when `problem` is None, else what is still wrong."""
    if problem is None:
        return f"Exercise {number}: PASS"
    return f"Exercise {number}: not yet: {problem}"


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

"""Self-checks for Part 1, lesson 4 (validation); tests/test_exercises_lecture_4.py proves each."""

import math

from boston_app.model import default_model_dir, read_card
from boston_app.validation import Schema

from . import unanswered, verdict


def _schema():
    return Schema.from_card(read_card(default_model_dir()))


def check_1(answer):
    """Exercise 1: the lecture's warned feature and its smallest training value, as a pair."""
    if answer is None:
        return unanswered(1, "answer_1")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return verdict(1, 'give a pair: ("NAME", smallest value)')
    name, smallest = answer
    if name != "CRIM":
        return verdict(1, f"{name!r} is not the warned feature: look at validate_row(...).warnings")
    schema = _schema()
    crim = schema.features[schema.index["CRIM"]]
    if not isinstance(smallest, (int, float)) or isinstance(smallest, bool):
        return verdict(1, "the smallest value must be a number")
    if math.isclose(smallest, 0.00632):
        return verdict(
            1,
            "0.00632 is the smallest CRIM of all 506 houses; the model saw only its training split",
        )
    if not math.isclose(smallest, crim["train_min"]):
        return verdict(
            1,
            f"{smallest} is not CRIM's smallest training value: read its `train_min`",
        )
    return verdict(1)


# (value, what to_number_comma must give: a float, or ValueError)
COMMA_CASES = [
    ("6,5", 6.5),
    ("0,00632", 0.00632),
    ("0.0006", 0.0006),
    (" 65 ", 65.0),
    (5, 5.0),
    ("abc", ValueError),
    ("nan", ValueError),
    ("NaN", ValueError),
    ("", ValueError),
    ("1,2,3", ValueError),
    ("1e400", ValueError),
    (None, ValueError),
    (True, ValueError),
]


def _outcome(function, value):
    """What `function(value)` gives: its value, ValueError, or the text of another exception."""
    try:
        return function(value)
    except ValueError:
        return ValueError
    except Exception as e:  # the learner's code may raise anything
        return f"{type(e).__name__}: {e}"


def check_2(function):
    """Exercise 2: `to_number_comma` reads a decimal comma and otherwise answers as `to_number`."""
    if not callable(function):
        return verdict(2, "`to_number_comma` must be a function")
    for value, expected in COMMA_CASES:
        got = _outcome(function, value)
        if got is None and value == "6,5":
            return verdict(2, "write `to_number_comma` in the cell above, then run this cell again")
        if expected is ValueError and got is not ValueError:
            return verdict(
                2, f"to_number_comma({value!r}) gave {got!r}; to_number raises ValueError"
            )
        if expected is not ValueError and (
            type(got) is not float or not math.isclose(got, expected)
        ):
            return verdict(2, f"to_number_comma({value!r}) gave {got!r}, expected {expected!r}")
    return verdict(2)

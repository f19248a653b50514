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

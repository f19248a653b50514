"""The self-checks of lecture_1_data's exercises: the placeholder is "not yet", a right answer passes, a plausible
wrong one is refused. The reference solutions live here, not in the notebook."""

import numpy as np
from exercises import is_not_yet, passed
from exercises.lecture_1 import check_1, check_2


def test_exercise_1_counts_the_capped_tracts():
    assert is_not_yet(check_1(None), 1)
    assert check_1(16) == passed(1)
    assert check_1(np.int64(16)) == passed(1)
    assert is_not_yet(check_1(50), 1)  # the cap, not the count
    assert is_not_yet(check_1(15), 1)
    assert is_not_yet(check_1(16.0), 1)  # a whole number is asked for
    assert is_not_yet(check_1(True), 1)


def allowed(f, value):
    if f.choices:
        return value in f.choices
    if f.low is not None and value < f.low:
        return False
    if f.high is not None and value > f.high:
        return False
    return True


def half_open(f, value):
    """The old data card's reading, [low, high): the upper end refused."""
    if f.choices:
        return value in f.choices
    return f.low <= value and (f.high is None or value < f.high)


def test_exercise_2_follows_closed_domains():
    assert is_not_yet(check_2(lambda f, value: None), 2)
    assert check_2(allowed) == passed(2)
    assert is_not_yet(check_2(half_open), 2)
    assert is_not_yet(check_2(lambda f, value: f.low <= value), 2)  # ignores the upper end and the choices

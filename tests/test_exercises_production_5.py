"""Part 2, lesson 5's self-checks: the placeholder is "not yet", a right answer passes, a wrong one does not."""

import math

import numpy as np
import pytest
from exercises import is_not_yet, passed
from exercises.production_5 import check_1, check_2, held_out_misses

from boston_app.interval import price_interval
from boston_app.model import load_model


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_exercise_1_is_the_width_in_dollars(model):
    interval = price_interval(21.7, model.card)
    answer = interval["high_usd"] - interval["low_usd"]
    assert is_not_yet(check_1(None), 1)
    assert check_1(answer) == passed(1)
    assert is_not_yet(check_1(answer / 2), 1)  # the half-width
    assert is_not_yet(check_1(answer / 1000), 1)  # in $1000s
    assert is_not_yet(check_1("9778"), 1)


def test_exercise_2_is_the_97th_smallest_miss(model):
    """Solved from the text: the smallest half-width that holds 97 of the 102 held-out houses, in whole dollars."""
    errors = held_out_misses(model)
    answer = math.ceil(sorted(errors)[math.ceil(0.95 * len(errors)) - 1])  # whole dollars, rounded up
    assert np.mean(errors <= answer) >= 0.95
    assert is_not_yet(check_2(None), 2)
    assert check_2(answer) == passed(2)
    assert check_2(float(sorted(errors)[96])) == passed(2)
    assert is_not_yet(check_2(round(np.quantile(errors, 0.95))), 2)  # interpolated: holds only 96
    assert is_not_yet(check_2(model.card["interval"]["half_width"] * 1000), 2)  # the card's 90% half-width
    assert is_not_yet(check_2(answer + 200), 2)  # holds enough, but is not the smallest
    assert is_not_yet(check_2(answer / 1000), 2)  # in $1000s
    assert is_not_yet(check_2("4899"), 2)

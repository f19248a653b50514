"""Self-checks for the exercises of lecture_1_data."""

import numpy as np

from boston_app.data import load_boston

from . import unanswered, verdict


def check_1(answer):
    """Exercise 1: the number of tracts whose MEDV sits at the cap of 50."""
    if answer is None:
        return unanswered(1, "answer_1")
    _, y = load_boston()
    capped = int((y == 50).sum())
    if isinstance(answer, bool) or not isinstance(answer, int | np.integer):
        return verdict(1, f"expected a whole number of tracts, got {answer!r}")
    if answer == 50:
        return verdict(1, "50 is the cap itself; count the tracts whose MEDV equals it")
    if answer != capped:
        return verdict(1, f"{answer} tracts is not it; count the values of `y` equal to 50.0")
    return verdict(1)

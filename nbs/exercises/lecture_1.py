"""Self-checks for the exercises of lecture_1_data."""

import numpy as np

from boston_app.data import FEATURE_NAMES, FEATURES, load_boston

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


# (feature name, value, allowed?): both ends of a range, just outside them, and the choices of CHAS.
CASES = [
    ("ZN", 100.0, True),
    ("ZN", 0.0, True),
    ("ZN", 100.5, False),
    ("ZN", -0.5, False),
    ("B", 396.9, True),
    ("B", 397.0, False),
    ("CRIM", 1e6, True),
    ("CRIM", -1.0, False),
    ("CHAS", 1.0, True),
    ("CHAS", 0.0, True),
    ("CHAS", 0.5, False),
]


def check_2(allowed):
    """Exercise 2: `allowed(f, value)` follows feature `f`'s domain, both ends included."""
    if allowed(FEATURES[0], 1.0) is None:
        return unanswered(2, "allowed")
    for name, value, expected in CASES:
        f = FEATURES[FEATURE_NAMES.index(name)]
        got = allowed(f, value)
        if got != expected:
            return verdict(2, f"allowed({name}, {value:g}) gave {got!r}, expected {expected}")
    return verdict(2)

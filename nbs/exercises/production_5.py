"""Self-checks for Part 2, lesson 5 (production_5_how_sure): the range's width; a 95% half-width."""

import math

import numpy as np
from sklearn.model_selection import train_test_split

from boston_app.data import FEATURE_NAMES, load_boston
from boston_app.model import load_model

from . import dollars, verdict


def held_out_misses(model):
    """The model's misses on the held-out rows in dollars, smallest first (the lesson's errors)."""
    params = model.card["params"]
    X_all, y = load_boston()
    X = X_all[:, [FEATURE_NAMES.index(name) for name in model.features]]
    _, X_test, _, y_test = train_test_split(
        X, y, test_size=params["test_size"], random_state=params["random_state"]
    )
    return np.sort(np.abs(model.predict(X_test) - y_test) * 1000)


def check_1(answer):
    """Exercise 1: the range's width end to end, in dollars."""
    value, line = dollars(1, answer, "answer_1")
    if line:
        return line
    width = 2 * load_model().card["interval"]["half_width"] * 1000
    if abs(value - width / 2) < 2:
        return verdict(1, "that is the half-width: the range goes that far on each side")
    if abs(value - width / 1000) < 0.01:
        return verdict(1, "that is in $1000s; give dollars")
    if abs(value - width) > 2:
        return verdict(1, f"{value:,.0f} is not the width; low_usd to high_usd is the range")
    return verdict(1)


def check_2(answer):
    """Exercise 2: the smallest half-width ($) holding at least 95% of the held-out prices."""
    value, line = dollars(2, answer, "answer_2")
    if line:
        return line
    misses = held_out_misses(load_model())
    needed = math.ceil(0.95 * len(misses))  # houses the range must hold
    smallest = misses[needed - 1]
    held = int(np.sum(misses <= value))
    if value < 100:
        return verdict(2, f"{value:g} looks like $1000s; give whole dollars")
    if held < needed:
        count = f"${value:,.0f} holds {held} of {len(misses)} houses; 95% needs {needed}"
        return verdict(2, count + " (count the misses; a quantile interpolates)")
    if value > smallest + 1:
        smaller = f"${value:,.0f} holds {held} houses; a smaller half-width holds {needed} too"
        return verdict(2, smaller)
    return verdict(2)

"""Self-checks for Part 2, lesson 5 (production_5_beyond_a_point): the range and the pushes."""

import numpy as np

from boston_app.explain import Explainer, usd
from boston_app.model import load_model

from . import unanswered, verdict

LECTURE_HOUSE = {"CRIM": 0.0006, "RM": 6.5, "AGE": 65, "DIS": 5}


def _model_and_house():
    """The served model and the lecture's house, the other features at their medians."""
    model = load_model()
    house = [f["median"] for f in model.card["features"]]
    for name, value in LECTURE_HOUSE.items():
        house[model.features.index(name)] = value
    return model, house


def _number(answer):
    """`answer` as a float, or None when it is not a number."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.floating, np.integer)):
        return None
    return float(answer)


def check_1(answer):
    """Exercise 1: the range's width end to end, in dollars."""
    if answer is None:
        return unanswered(1, "answer_1")
    value = _number(answer)
    if value is None:
        return verdict(1, "give a number of dollars")
    width = 2 * load_model().card["interval"]["half_width"] * 1000
    if abs(value - width / 2) < 2:
        return verdict(1, "that is the half-width: the range goes that far on each side")
    if abs(value - width / 1000) < 0.01:
        return verdict(1, "that is in $1000s; give dollars")
    if abs(value - width) > 2:
        return verdict(1, f"{value:,.0f} is not the width; low_usd to high_usd is the range")
    return verdict(1)


def check_2(answer):
    """Exercise 2: the feature that pushes the lecture's house down the most."""
    if answer is None:
        return unanswered(2, "answer_2")
    model, house = _model_and_house()
    if answer not in model.features:
        return verdict(2, f"{answer!r} is not a feature name of the card")
    _, contributions = Explainer(model).explain(house)
    lowest = model.features[int(np.argmin(contributions))]
    if answer != lowest:
        push = usd(contributions[model.features.index(answer)], sign=True)
        return verdict(2, f"{answer} pushes it by {push}; look for the most negative push")
    return verdict(2)

"""Self-checks for Part 2, lesson 6 (production_6_why): a SHAP push, a what-if curve's price."""

import numpy as np

from boston_app.explain import Explainer, usd, what_if
from boston_app.model import load_model

from . import dollars, unanswered, verdict

LECTURE_HOUSE = {"CRIM": 0.0006, "RM": 6.5, "AGE": 65, "DIS": 5}


def lecture_house(model, **changes):
    """The lecture's house, the other features at their medians, with `changes` applied."""
    house = [f["median"] for f in model.card["features"]]
    for name, value in {**LECTURE_HOUSE, **changes}.items():
        house[model.features.index(name)] = value
    return house


def check_1(answer):
    """Exercise 1: the feature that pushes the lecture's house, with RM 7.5, down the most."""
    if answer is None:
        return unanswered(1, "answer_1")
    model = load_model()
    if answer not in model.features:
        return verdict(1, f"{answer!r} is not a feature name of the card")
    _, contributions = Explainer(model).explain(lecture_house(model, RM=7.5))
    lowest = model.features[int(np.argmin(contributions))]
    if answer != lowest:
        push = usd(contributions[model.features.index(answer)], sign=True)
        return verdict(
            1, f"with RM 7.5, {answer} pushes it by {push}; look for the most negative push"
        )
    return verdict(1)


def check_2(answer):
    """Exercise 2: the highest price of the lecture's house as LSTAT sweeps its range, in $."""
    value, line = dollars(2, answer, "answer_2")
    if line:
        return line
    model = load_model()
    house = lecture_house(model)
    i = model.features.index("LSTAT")
    _, ys = what_if(model, house, i)
    _, finer = what_if(model, house, i, points=2001)  # a finer sweep may find a narrow higher step
    highest, highest_finer = max(ys) * 1000, max(finer) * 1000
    if value < 1000:
        return verdict(2, f"{value:g} looks like $1000s; give dollars")
    if abs(value - min(ys) * 1000) <= 1:
        return verdict(
            2, "that is the lowest price of the curve; the exercise asks for the highest"
        )
    if abs(value - highest) <= 1 or highest <= value <= highest_finer + 1:
        return verdict(2)
    _, rm_prices = what_if(model, house, model.features.index("RM"))
    if abs(value - max(rm_prices) * 1000) <= 1:
        return verdict(2, "that is the highest price of the RM curve; sweep LSTAT")
    return verdict(2, f"${value:,.0f} is not the highest price of the LSTAT curve; take its max")

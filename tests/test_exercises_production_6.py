"""Part 2, lesson 6's self-checks: the placeholder is "not yet", a right answer passes, a wrong one does not."""

import pytest
from exercises import is_not_yet, passed
from exercises.production_6 import LECTURE_HOUSE, check_1, check_2

from boston_app.explain import Explainer, what_if
from boston_app.model import load_model


@pytest.fixture(scope="module")
def model_and_house():
    model = load_model()
    house = [f["median"] for f in model.card["features"]]
    for name, value in LECTURE_HOUSE.items():
        house[model.features.index(name)] = value
    return model, house


def test_exercise_1_is_the_most_negative_push_of_the_bigger_house(model_and_house):
    model, house = model_and_house
    bigger = list(house)
    bigger[model.features.index("RM")] = 7.5
    _, contributions = Explainer(model).explain(bigger)
    answer = model.features[contributions.index(min(contributions))]
    assert is_not_yet(check_1(None), 1)
    assert check_1(answer) == passed(1)
    assert is_not_yet(check_1("RM"), 1)  # the most negative push of the 6.5-room house
    assert is_not_yet(check_1(model.features[contributions.index(max(contributions))]), 1)
    assert is_not_yet(check_1("rooms"), 1)


def test_exercise_2_is_the_highest_price_of_the_lstat_curve(model_and_house):
    model, house = model_and_house
    _, ys = what_if(model, house, model.features.index("LSTAT"))
    answer = round(max(ys) * 1000)
    assert is_not_yet(check_2(None), 2)
    assert check_2(answer) == passed(2)
    assert is_not_yet(check_2(max(ys)), 2)  # in $1000s
    assert is_not_yet(check_2(round(min(ys) * 1000)), 2)  # the lowest
    _, rm_prices = what_if(model, house, model.features.index("RM"))
    assert is_not_yet(check_2(round(max(rm_prices) * 1000)), 2)  # the RM curve
    assert is_not_yet(check_2("26718"), 2)

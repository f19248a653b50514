"""Part 2, lesson 5's self-checks: the placeholder is "not yet", a right answer passes, a wrong one does not."""

import pytest
from exercises import is_not_yet, passed
from exercises.production_5 import LECTURE_HOUSE, check_1, check_2

from boston_app.explain import Explainer, price_interval
from boston_app.model import load_model


@pytest.fixture(scope="module")
def model_and_house():
    model = load_model()
    house = [f["median"] for f in model.card["features"]]
    for name, value in LECTURE_HOUSE.items():
        house[model.features.index(name)] = value
    return model, house


def test_exercise_1_is_the_width_in_dollars(model_and_house):
    model, house = model_and_house
    interval = price_interval(float(model.predict([house])[0]), model.card)
    answer = interval["high_usd"] - interval["low_usd"]
    assert is_not_yet(check_1(None), 1)
    assert check_1(answer) == passed(1)
    assert is_not_yet(check_1(answer / 2), 1)  # the half-width
    assert is_not_yet(check_1(answer / 1000), 1)  # in $1000s
    assert is_not_yet(check_1("9778"), 1)


def test_exercise_2_is_the_most_negative_contribution(model_and_house):
    model, house = model_and_house
    _, contributions = Explainer(model).explain(house)
    answer = model.features[contributions.index(min(contributions))]
    assert is_not_yet(check_2(None), 2)
    assert check_2(answer) == passed(2)
    largest_up = model.features[contributions.index(max(contributions))]
    assert is_not_yet(check_2(largest_up), 2)
    assert is_not_yet(check_2("rooms"), 2)

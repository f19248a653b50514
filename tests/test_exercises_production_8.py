"""Part 2, lesson 8's self-checks: the placeholder is "not yet", a right answer passes, a wrong one does not."""

import flask
import pytest
from exercises import is_not_yet, passed
from exercises.production_8 import check_1, check_2

from boston_app import core, explain, interval, jsonapi, metrics, serving, speed
from boston_app.app import LAYERS, create_app, load_config


def test_exercise_1_is_every_layer_but_the_range():
    """Solved from the text: `create_app` with `layers`, `LAYERS` without the one that adds the range."""
    assert is_not_yet(check_1(None), 1)
    assert check_1(create_app(layers=[layer for layer in LAYERS if layer is not interval])) == passed(1)
    assert is_not_yet(check_1(create_app()), 1)  # every layer: the range is still there
    assert is_not_yet(check_1(core.create_app()), 1)  # Part 1's app alone
    assert is_not_yet(check_1(LAYERS), 1)  # the list, not an app
    assert is_not_yet(check_1(flask.Flask("mine")), 1)  # a Flask app, but not the service


@pytest.mark.parametrize("off", [metrics, serving, jsonapi, speed, explain])
def test_exercise_1_refuses_another_layer_off_too(off):
    line = check_1(create_app(layers=[layer for layer in LAYERS if layer not in (interval, off)]))
    assert is_not_yet(line, 1)
    assert off.__name__.rsplit(".", 1)[1] in line  # the hint names the layer that is missing


def test_exercise_2_is_a_limit_of_50_rows(monkeypatch):
    """Solved from the text: the config's `MAX_BATCH`, or the table's variable in the environment."""
    assert is_not_yet(check_2(None), 2)
    assert check_2(create_app({"MAX_BATCH": 50})) == passed(2)
    assert check_2(create_app(load_config({"BOSTON_MAX_BATCH": "50"}))) == passed(2)
    assert is_not_yet(check_2(create_app({"BOSTON_MAX_BATCH": "50"})), 2)  # not a config name: still 1000
    assert is_not_yet(check_2(create_app({"MAX_BATCH": 51})), 2)
    assert is_not_yet(check_2(create_app({"MAX_BATCH": 49})), 2)
    assert is_not_yet(check_2(core.create_app()), 2)  # Part 1's app has no JSON API
    assert is_not_yet(check_2(flask.Flask("mine")), 2)
    monkeypatch.setenv("BOSTON_MAX_BATCH", "50")
    assert check_2(create_app()) == passed(2)

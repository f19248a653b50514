"""Self-checks for production_2_json_api's exercises (proved by its test module)."""

import math

import flask

from boston_app import api, jsonapi
from boston_app.model import default_model_dir, load_model, read_card
from boston_app.validation import Schema, ValidationError, validate_row

from . import unanswered, verdict


def _schema():
    return Schema.from_card(read_card(default_model_dir()))


# Batches to try, with the positions validate_row accepts (worked out from validate_row itself).
BATCHES = [
    [{"RM": 6.5}, {"RM": "abc"}, "house", {"CHAS": 1, "RM": 9.5}, {"NOAX": 1}],
    [{"CRIM": "0.0006", "RM": "6.5", "AGE": "65", "DIS": "5"}, None, {"AGE": 101}, {}],
]


def _outcome(function, *args):
    """What `function(*args)` gives: its value, or the text of the exception it raised."""
    try:
        return function(*args)
    except Exception as e:  # the learner's code may raise anything
        return f"{type(e).__name__}: {e}"


def _accepted(schema, instances):
    """The positions of the rows of `instances` that validate_row accepts."""
    positions = []
    for i, row in enumerate(instances):
        if not isinstance(row, dict):
            continue
        try:
            validate_row(schema, row)
        except ValidationError:
            continue
        positions.append(i)
    return positions


def check_1(function):
    """Exercise 1: `valid_rows(schema, instances)` gives the positions validate_row accepts."""
    if not callable(function):
        return verdict(1, "`valid_rows` must be a function")
    schema = _schema()
    for instances in BATCHES:
        got = _outcome(function, schema, instances)
        if got is None:
            return verdict(1, "write `valid_rows` in the cell above, then run this cell again")
        expected = _accepted(schema, instances)
        if got != expected:
            return verdict(
                1, f"valid_rows(schema, {instances!r}) gave {got!r}, expected {expected!r}"
            )
    return verdict(1)


LECTURE_HOUSE = {"CRIM": 0.0006, "RM": 6.5, "AGE": 65, "DIS": 5}
ROOMS = [5, 6, 7, 8]
_client = None


def served_client():
    """A test client of Part 1's endpoint with the JSON API layer, made once."""
    global _client
    if _client is None:
        app = flask.Flask("production_2_check")
        app.extensions["boston_app"] = api.Service(load_model())
        app.register_blueprint(api.bp)
        jsonapi.init_app(app)
        _client = app.test_client()
    return _client


def expected_predictions():
    """The batch answer's predictions for the lecture's house with 5 to 8 rooms."""
    instances = [dict(LECTURE_HOUSE, RM=rooms) for rooms in ROOMS]
    return served_client().post("/predict", json={"instances": instances}).json["predictions"]


def check_2(answer):
    """Exercise 2: the four predictions for the lecture's house with 5, 6, 7 and 8 rooms."""
    if answer is None:
        return unanswered(2, "answer_2")
    if not isinstance(answer, (list, tuple)) or len(answer) != len(ROOMS):
        return verdict(2, "give a list of four predictions, one for each number of rooms")
    expected = expected_predictions()
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in answer)
    if not numbers:
        return verdict(2, "each prediction must be a number")
    if all(math.isclose(x, 1000 * e, rel_tol=1e-3) for x, e in zip(answer, expected)):
        return verdict(2, "those are dollars: the batch answers `predictions` in $1000s")
    if sorted(answer) == sorted(expected) and list(answer) != expected:
        return verdict(2, "the predictions come in the order of the instances: 5, 6, 7, 8 rooms")
    if not all(math.isclose(x, e, abs_tol=1e-6) for x, e in zip(answer, expected)):
        return verdict(2, f"{list(answer)!r} are not the predictions of that batch: read them")
    return verdict(2)

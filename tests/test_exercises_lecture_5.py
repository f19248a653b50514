"""lecture_5_query_endpoint's exercise checks: a right answer passes, wrong ones get "not yet"."""

import flask
from exercises import is_not_yet, passed, verdict
from exercises.lecture_5 import LECTURE_URL, check_1, check_2, served_client

from boston_app.api import error
from boston_app.model import load_model
from boston_app.validation import to_number

FOUR = ["CRIM", "RM", "AGE", "DIS"]


# Reference solutions (kept here, not in the notebook).
def answer_1():
    return served_client().get(LECTURE_URL + "&LSTAT=4.98").json["price_usd"]


def small_app():
    model = load_model()
    medians = {f["name"]: f["median"] for f in model.card["features"]}
    app = flask.Flask("small")

    @app.get("/predict")
    def predict():
        row = dict(medians)
        problems = {}
        for name in FOUR:
            try:
                row[name] = to_number(flask.request.args.get(name))
            except ValueError as e:
                problems[name] = str(e)
        if problems:
            return error("invalid input", problems)
        medv = float(model.predict([list(row.values())])[0])
        return {"price_usd": round(medv * 1000)}

    return app


def lecture_fixed():
    """The lesson's `predict_fixed`: works on the lecture's URL, 500 on bad input."""
    model = load_model()
    medians = {f["name"]: f["median"] for f in model.card["features"]}
    app = flask.Flask("fixed")

    @app.get("/predict")
    def predict():
        row = dict(medians)
        for name in FOUR:
            row[name] = float(flask.request.args[name])
        medv = float(model.predict([list(row.values())])[0])
        return {"price_usd": round(medv * 1000)}

    return app


def test_check_1():
    assert is_not_yet(check_1(None), 1)
    assert check_1(answer_1()) == passed(1)
    lecture_price = served_client().get(LECTURE_URL).json["price_usd"]
    line = check_1(lecture_price)
    assert is_not_yet(line, 1) and line.startswith(verdict(1, "that is the lecture's price"))
    assert is_not_yet(check_1(answer_1() + 1000), 1)


def test_check_2():
    assert is_not_yet(check_2(lambda: None), 2)
    assert check_2(small_app) == passed(2)
    assert is_not_yet(check_2(lecture_fixed), 2)  # 500 for RM=abc
    testing = lecture_fixed()
    testing.testing = True  # exceptions reach the check instead of a 500
    assert is_not_yet(check_2(lambda: testing), 2)

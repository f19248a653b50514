"""Self-checks for lecture_5_query_endpoint's exercises (proved by its test module)."""

import flask

from boston_app.api import Service, bp
from boston_app.model import load_model

from . import unanswered, verdict

LECTURE_URL = "/predict?CRIM=0.0006&RM=6.5&AGE=65&DIS=5"
_client = None


def served_client():
    """A test client of the finished endpoint (the blueprint and a Service), made once."""
    global _client
    if _client is None:
        app = flask.Flask("lecture_4_check")
        app.extensions["boston_app"] = Service(load_model())
        app.register_blueprint(bp)
        _client = app.test_client()
    return _client


def price(url):
    """The finished endpoint's price in dollars for `url`."""
    return served_client().get(url).json["price_usd"]


def check_1(answer):
    """Exercise 1: the price of the lecture's house with LSTAT=4.98."""
    if answer is None:
        return unanswered(1, "answer_1")
    if answer == price(LECTURE_URL):
        return verdict(1, "that is the lecture's price without LSTAT: add &LSTAT=4.98 to the URL")
    if answer != price(LECTURE_URL + "&LSTAT=4.98"):
        return verdict(
            1, f"{answer!r} is not the answer's price_usd for the lecture's URL with LSTAT=4.98"
        )
    return verdict(1)

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


# Bad queries and the field each answer must name.
BAD_QUERIES = [
    ("/predict?CRIM=0.0006&RM=abc&AGE=65&DIS=5", "RM"),
    ("/predict?CRIM=0.0006&RM=nan&AGE=65&DIS=5", "RM"),
    ("/predict?CRIM=0.0006&RM=6.5&AGE=65", "DIS"),
]


def _get(client, url):
    """The response to GET `url`, or the text of the exception the app raised."""
    try:
        return client.get(url)
    except Exception as e:  # an app in testing mode lets its exceptions through
        return f"{type(e).__name__}: {e}"


def _problem(client, url, field):
    """What is wrong with the answer to the bad `url`, or None."""
    r = _get(client, url)
    if isinstance(r, str):
        return f"GET {url} raised {r}"
    if r.status_code != 400:
        return f"GET {url} answered {r.status_code}, expected 400"
    fields = (r.json or {}).get("error", {}).get("fields", {}) if r.is_json else {}
    if field not in fields:
        return f"GET {url}: the answer's error fields do not name {field}"
    return None


def check_2(make_app):
    """Exercise 2: `small_app()` answers the lecture's URL and names the field of each bad query."""
    if not callable(make_app):
        return verdict(2, "`small_app` must be a function")
    app = make_app()
    if app is None:
        return verdict(2, "write `small_app` in the cell above, then run this cell again")
    if not isinstance(app, flask.Flask):
        return verdict(2, "small_app() must return a Flask app")
    app.logger.disabled = True  # a crash is reported below, not as a traceback
    client = app.test_client()
    r = _get(client, LECTURE_URL)
    if isinstance(r, str) or r.status_code != 200 or not r.is_json:
        return verdict(2, "the lecture's URL must be answered 200 with JSON")
    if r.json.get("price_usd") != price(LECTURE_URL):
        return verdict(2, f"the lecture's URL must give price_usd {price(LECTURE_URL)}")
    for url, field in BAD_QUERIES:
        problem = _problem(client, url, field)
        if problem:
            return verdict(2, problem)
    return verdict(2)

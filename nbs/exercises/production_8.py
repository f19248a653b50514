"""Self-checks for Part 2, lesson 8 (production_8_service): all layers but the range; 50 rows."""

import flask

from boston_app import speed

from . import unanswered, verdict
from .lecture_5 import LECTURE_URL as URL  # the lecture's house

ROW = {"CRIM": 0.0006, "RM": 6.5, "AGE": 65, "DIS": 5}


def _client(number, answer, name):
    """`(test client, None)` for an app, or `(None, line)` saying why not."""
    if answer is None:
        return None, unanswered(number, name)
    if not isinstance(answer, flask.Flask):
        return None, verdict(
            number, f"give the app `create_app` returns, not a {type(answer).__name__}"
        )
    if "boston_app" not in answer.extensions:
        return None, verdict(
            number, "that Flask app is not the service; build it with `create_app`"
        )
    return answer.test_client(), None


def check_1(answer):
    """Exercise 1: the served app with every layer except the 90% range."""
    client, line = _client(1, answer, "answer_1")
    if line:
        return line
    paths = {rule.rule for rule in answer.url_map.iter_rules()}
    if not paths & {"/metrics", "/explain", "/openapi.json"}:
        return verdict(1, "that is Part 1's app alone; build it with this lesson's `create_app`")
    one = client.get(URL)
    layers = {
        "metrics": "/metrics" in paths,
        "serving": "X-Request-Id" in one.headers,
        "jsonapi": client.post("/predict", json=ROW).status_code == 200,
        "speed": answer.extensions["boston_app"].read_json is speed.parse_json_fast,
        "explain": client.get(URL.replace("/predict", "/explain")).status_code == 200,
    }
    off = [name for name, on in layers.items() if not on]
    if off:
        names = off[0] if len(off) == 1 else f"{', '.join(off[:-1])} and {off[-1]}"
        were = f"{names} {'is' if len(off) == 1 else 'are'} off too"
        return verdict(1, f"{were}; switch off only the layer that adds the range")
    if "interval" in one.get_json():
        return verdict(
            1, "the lecture's house still gets `interval`: leave out the layer that adds it"
        )
    return verdict(1)


def check_2(answer):
    """Exercise 2: the served app answering batches of at most 50 rows."""
    client, line = _client(2, answer, "answer_2")
    if line:
        return line
    if client.post("/predict", json=ROW).status_code == 405:
        return verdict(2, "this app has no JSON API; build it with this lesson's `create_app`")
    answered = {
        n: client.post("/predict", json={"instances": [ROW] * n}).status_code for n in (50, 51)
    }
    limit = answer.extensions["boston_app"].max_batch
    if answered[50] != 200:
        return verdict(
            2, f"a batch of 50 rows is refused (the limit is {limit}); 50 rows must be answered"
        )
    if answered[51] == 200:
        return verdict(2, f"a batch of 51 rows is answered: the limit is {limit}, not 50")
    return verdict(2)

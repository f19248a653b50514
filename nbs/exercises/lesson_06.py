"""Self-checks for the exercises of 06_app."""

from flask import Flask, Response

from boston_app.core import ConfigError, load_config
from exercises import unanswered, verdict


def _answers_with(hook):
    "A fresh app with one route and `hook` registered after each request: its 200 and its 404."
    app = Flask("exercise_06")
    app.add_url_rule("/", "home", lambda: "home")
    app.after_request(hook)
    client = app.test_client()
    return client.get("/"), client.get("/no-such-page")


def check_1(no_store):
    "Exercise 1: an after_request hook that adds `Cache-Control: no-store`."
    if no_store is None:
        return unanswered(1, "no_store")
    try:
        if no_store(Response("x")) is None:
            return verdict(1, "no_store returns None: write it above; it returns the response")
        answers = _answers_with(no_store)
    except Exception as e:
        return verdict(1, f"the app failed with your hook ({type(e).__name__}: {e})")
    for r in answers:
        if r.headers.get("Cache-Control") != "no-store":
            return verdict(1, f"the {r.status_code} answer has no `Cache-Control: no-store`")
    return verdict(1)


CASES_2 = [
    ({}, 1000),
    ({"BOSTON_MAX_BATCH": "50"}, 50),
]
WRONG_2 = [{"BOSTON_MAX_BATCH": "-1"}, {"BOSTON_MAX_BATCH": "many"}, {"BOSTON_ENGINE": "excel"}]


def check_2(max_batch):
    "Exercise 2: `max_batch(env)` gives MAX_BATCH, or the ConfigError's message."
    if max_batch is None:
        return unanswered(2, "max_batch")
    try:
        if max_batch({}) is None:
            return verdict(2, "max_batch returns None: write its body in the cell above")
        for env, expected in CASES_2:
            got = max_batch(env)
            if got != expected:
                return verdict(2, f"max_batch({env}) gave {got!r}, expected {expected!r}")
        for env in WRONG_2:
            got = max_batch(env)
            try:
                load_config(env)
            except ConfigError as e:
                expected = str(e)
            if got != expected:
                return verdict(2, f"max_batch({env}) gave {got!r}, expected {expected!r}")
    except ConfigError as e:
        return verdict(2, f"a ConfigError escaped ({e}): catch it and return its message")
    return verdict(2)


def check_3(answer):
    "Exercise 3: the gunicorn setting that ends a silent connection's hold on a sync worker."
    if answer is None:
        return unanswered(3, "answer_3")
    if not isinstance(answer, str):
        return verdict(3, "give the setting's name as a string")
    if answer.strip().strip("`") == "timeout":
        return verdict(3)
    if answer.strip() == "keepalive":
        return verdict(
            3, "the sync worker never keeps a connection alive: look for another setting"
        )
    return verdict(3, f"{answer!r} is not it: which setting kills a worker that stays silent?")

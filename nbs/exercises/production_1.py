"""Self-checks for production_1_open_internet: a header hook, the timeout, a body's status."""

from flask import Flask, Response

from exercises import unanswered, verdict


def _answers_with(hook):
    "A fresh app with one route and `hook` registered after each request: its 200 and its 404."
    app = Flask("exercise_production_1")
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


def check_2(answer):
    "Exercise 2: the gunicorn setting that ends a silent connection's hold on a sync worker."
    if answer is None:
        return unanswered(2, "answer_2")
    if not isinstance(answer, str):
        return verdict(2, "give the setting's name as a string")
    if answer.strip().strip("`") == "timeout":
        return verdict(2)
    if answer.strip() == "keepalive":
        return verdict(
            2, "the sync worker never keeps a connection alive: look for another setting"
        )
    return verdict(2, f"{answer!r} is not it: which setting kills a worker that stays silent?")


# (body, announced length or None when chunked, limit): the status the service answers
CASES_3 = [
    (b'{"rows": []}', 12, 1024, 200),
    (b"x" * 1024, 1024, 1024, 200),  # exactly at the limit: allowed
    (b"x" * 1025, None, 1024, 413),  # chunked, over the limit
    (b"x" * 10, 300, 1024, 400),  # 10 of the 300 bytes announced
    (b"", None, 1024, 200),  # chunked, empty
]


def check_3(body_status):
    "Exercise 3: `body_status(data, length, limit)` gives 200, 400 or 413 as the layer would."
    if not callable(body_status):
        return verdict(3, "answer with the function `body_status` itself")
    for data, length, limit, want in CASES_3:
        shown = f"body_status(<{len(data)} bytes>, {length}, {limit})"
        try:
            got = body_status(data, length, limit)
        except Exception as error:
            return verdict(3, f"{shown} raised {error!r}: catch BodyError and return its status")
        if got != want:
            return verdict(3, f"{shown} gave {got!r}, not {want}")
    return verdict(3)

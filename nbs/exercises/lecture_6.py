"""Self-checks for the exercises of Part 1, lesson 5 (nbs/lecture_6_form.ipynb)."""

import re
from html import unescape
from pathlib import Path

import flask

from boston_app import api, form
from boston_app.model import default_model_dir, load_model
from exercises import verdict

ROOT = Path(__file__).resolve().parents[2]

LECTURE_HOUSE = {"CRIM": "0.0006", "RM": "6.5", "AGE": "65", "DIS": "5"}
_client = None


def client():
    "A test client of Part 1's form and API (the lesson's `try_form`), built once."
    global _client
    if _client is None:
        app = flask.Flask(
            "lecture_5", template_folder=ROOT / "templates", static_folder=ROOT / "static"
        )
        app.extensions["boston_app"] = api.Service(load_model(default_model_dir()))
        app.register_blueprint(api.bp)
        app.register_blueprint(form.bp)
        _client = app.test_client()
    return _client


def _noax_error():
    "The status and the page's error for the lecture's house sent with NOAX."
    r = client().post("/", data={**LECTURE_HOUSE, "NOAX": "0.538"})
    html = r.get_data(as_text=True)
    errors = re.findall(r'<p class="error">(.*?)</p>', html)
    return r.status_code, next(e for e in errors if "NOAX" in e)


def check_1(answer):
    "Exercise 1: the status and the error the form shows for a field named NOAX."
    if answer is None:
        return verdict(1, "set `answer_1` to your answer, then run this cell again")
    if not isinstance(answer, tuple) or len(answer) != 2:
        return verdict(1, "give a tuple of two: (status code, error text)")
    status, text = _noax_error()
    if answer[0] != status:
        return verdict(
            1, f"status {answer[0]!r} is not the one the form answers: print `r.status_code`"
        )
    if not isinstance(answer[1], str) or "NOAX" not in answer[1]:
        return verdict(1, "the text must be the page's error that names NOAX")
    if unescape(answer[1].strip()) != unescape(text):
        return verdict(1, f"{answer[1]!r} is not all of the error's text as the page shows it")
    return verdict(1)

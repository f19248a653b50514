"""Self-checks for the exercises of 05_form."""

import re
import tempfile
from html import unescape
from pathlib import Path

import flask
from jinja2 import TemplateNotFound

from boston_app.app import create_app
from exercises import unanswered, verdict

LECTURE_HOUSE = {"CRIM": "0.0006", "RM": "6.5", "AGE": "65", "DIS": "5"}
_client = None


def client():
    "A test client of the served app, built once."
    global _client
    if _client is None:
        _client = create_app().test_client()
    return _client


def _page(fields):
    "The page the form answers for `fields`."
    return client().post("/", data=fields).get_data(as_text=True)


PAGES_1 = [  # (submitted fields, the fields with an error beside them)
    ({"AGE": "-5"}, ["AGE"]),
    ({"CHAS": "0.5", "RM": "six"}, ["CHAS", "RM"]),
    ({"NOX": "", "TAX": "1e999", "LSTAT": "x"}, ["NOX", "TAX", "LSTAT"]),
    (LECTURE_HOUSE, []),
]


def check_1(error_fields):
    "Exercise 1: `error_fields(html)` names the fields with an error beside them."
    if error_fields is None:
        return unanswered(1, "error_fields")
    for fields, expected in PAGES_1:
        try:
            got = error_fields(_page(fields))
        except Exception as e:
            return verdict(1, f"error_fields failed ({type(e).__name__}: {e})")
        if got is None:
            return verdict(1, "error_fields returns None: write its body in the cell above")
        if list(got) != expected:
            return verdict(1, f"for a form with {fields} it gave {got!r}, expected {expected!r}")
    return verdict(1)


def _noax_error():
    "The status and the page's error for the lecture's house sent with NOAX."
    r = client().post("/", data={**LECTURE_HOUSE, "NOAX": "0.538"})
    html = r.get_data(as_text=True)
    errors = re.findall(r'<p class="error">(.*?)</p>', html)
    return r.status_code, next(e for e in errors if "NOAX" in e)


def check_2(answer):
    "Exercise 2: the status and the error the form shows for a field named NOAX."
    if answer is None:
        return unanswered(2, "answer_2")
    if not isinstance(answer, tuple) or len(answer) != 2:
        return verdict(2, "give a tuple of two: (status code, error text)")
    status, text = _noax_error()
    if answer[0] != status:
        return verdict(2, f"status {answer[0]!r} is not the one the form answers")
    if not isinstance(answer[1], str) or "NOAX" not in answer[1]:
        return verdict(2, "the text must be the page's error that names NOAX")
    if unescape(answer[1].strip()) != unescape(text):
        return verdict(2, f"{answer[1]!r} is not all of the error's text as the page shows it")
    return verdict(2)


def check_3(kwargs):
    "Exercise 3: Flask keyword arguments that find templates in `template/`."
    if kwargs is None:
        return unanswered(3, "answer_3")
    if not isinstance(kwargs, dict):
        return verdict(3, "give a dictionary of keyword arguments, such as {'name': value}")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "template").mkdir()
        (root / "template" / "main.html").write_text("<h1>found</h1>")
        try:
            app = flask.Flask("lecture", root_path=root, **kwargs)
            with app.app_context():
                html = flask.render_template("main.html")
        except TemplateNotFound:
            return verdict(3, "Flask still looks in another folder: main.html was not found")
        except TypeError as e:
            return verdict(3, f"flask.Flask does not take these arguments ({e})")
    return verdict(3) if html == "<h1>found</h1>" else verdict(3, "another template was found")

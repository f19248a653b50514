"""The lecture's own examples, as written, against the served app (the real gunicorn on loopback).

The lecture (shared/seed/lecture-deploying-a-model-as-a-service.md) sends its GET URL with curl or a browser, to
`http://localhost:5000` (and once, by mistake, to port 3000); opens `http://localhost:5000/` for the form; and posts
the form it wrote, whose nitric-oxides field is misnamed `NOAX`. Here the same paths and queries go to the test
server's port, through `curl` when it is installed (else `requests`), and through a real browser.
"""

import json
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import requests

from conftest import BIN, ROOT, start_server, stop_server

# The lecture's two URLs, verbatim; only the host and port are the test server's.
LECTURE_URLS = [
    "http://127.0.0.1:3000/predict?CRIM=0.0006&RM=6.5&AGE=65&DIS=5",
    "http://localhost:5000/predict?CRIM=0.0006&RM=6.5&AGE=65&DIS=5",
]
LECTURE_SENTENCE = "The predicted price of the Boston house with CRIM = 0.0006, RM = 6.5, AGE = 65, DIS = 5 is $"
# The lecture's form (its main.html), field by field, as a browser would post it; values are the first house's.
LECTURE_FORM = [
    ("CRIM", "0.00632"),
    ("ZN", "18"),
    ("INDUS", "2.31"),
    ("CHAS", "0"),
    ("NOAX", "0.538"),
    ("RM", "6.575"),
    ("AGE", "65.2"),
    ("DIS", "4.09"),
    ("RAD", "1"),
    ("TAX", "296"),
    ("PTRATIO", "15.3"),
    ("B", "396.9"),
    ("LSTAT", "4.98"),
]


def on(server, url):
    """`url` with the test server's port, keeping the lecture's host name (localhost or 127.0.0.1) and path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{urlsplit(server.url).port}{parts.path}" + (
        f"?{parts.query}" if parts.query else ""
    )


def fetch(url, data=None):
    """(status, content type, body) through curl as the lecture does, or requests when curl is missing."""
    curl = shutil.which("curl")
    if curl:
        args = [curl, "-s", "-o", "-", "-w", "\n%{http_code} %{content_type}", url]
        for k, v in data or ():
            args += ["--data-urlencode", f"{k}={v}"]
        out = subprocess.run(args, capture_output=True, text=True, timeout=30, check=True).stdout
        body, _, tail = out.rpartition("\n")
        status, _, ctype = tail.partition(" ")
        return int(status), ctype.split(";")[0], body
    r = requests.post(url, data=data, timeout=30) if data else requests.get(url, timeout=30)
    return r.status_code, r.headers["Content-Type"].split(";")[0], r.text


@pytest.mark.parametrize("url", LECTURE_URLS)
def test_the_lectures_get_url_answers_the_lectures_sentence(live_server, url):
    status, ctype, body = fetch(on(live_server, url))
    assert status == 200 and ctype == "application/json"
    answer = json.loads(body)
    assert answer["message"].startswith(LECTURE_SENTENCE)
    assert answer["message"].endswith(f"${answer['price_usd']:,} (MEDV {answer['prediction']:.2f}, in $1000s).")
    assert {k: answer["inputs"][k] for k in ("CRIM", "RM", "AGE", "DIS")} == {
        "CRIM": 0.0006,
        "RM": 6.5,
        "AGE": 65,
        "DIS": 5,
    }


def test_the_lectures_home_page_is_the_form(live_server):
    status, ctype, body = fetch(on(live_server, "http://localhost:5000/"))
    assert status == 200 and ctype == "text/html"
    assert "<h1>Boston house price model</h1>" in body and 'method="post"' in body


def test_the_lectures_four_field_post_is_answered(live_server):
    """The lecture's handler reads CRIM, RM, AGE and DIS from the form; those four alone are answered."""
    status, ctype, body = fetch(
        on(live_server, "http://localhost:5000/"),
        data=LECTURE_FORM[:1] + [LECTURE_FORM[5], LECTURE_FORM[6], LECTURE_FORM[7]],
    )
    assert status == 200 and ctype == "text/html" and 'id="prediction">$' in body


def test_the_lectures_form_with_noax_is_told_to_say_nox(live_server):
    status, ctype, body = fetch(on(live_server, "http://localhost:5000/"), data=LECTURE_FORM)
    assert status == 400 and ctype == "text/html"
    assert "NOAX: unknown field; did you mean NOX?" in body and 'id="prediction"' not in body
    fixed = [("NOX" if k == "NOAX" else k, v) for k, v in LECTURE_FORM]
    status, _, body = fetch(on(live_server, "http://localhost:5000/"), data=fixed)
    assert status == 200 and 'id="prediction">$' in body


@pytest.mark.slow
@pytest.mark.parametrize("url", LECTURE_URLS)
def test_the_lectures_get_url_typed_into_a_browser(browser, live_server, url):
    page = browser.new_page()
    try:
        response = page.goto(on(live_server, url))
        assert response.status == 200
        assert json.loads(page.inner_text("body"))["message"].startswith(LECTURE_SENTENCE)
    finally:
        page.close()


@pytest.mark.slow
def test_flask_run_serves_the_app_as_the_lecture_runs_it():
    """The lecture checks its app with `flask run`; `flask --app boston_app.app run` serves the same app
    (Flask's development server, for trying things out; gunicorn serves it for real)."""
    flask = [str(BIN / "flask"), "--app", "boston_app.app", "run", "--host", "127.0.0.1"]
    # Not whatever the shell running the tests set; one process, no gunicorn workers to wait for.
    env = {"FLASK_DEBUG": "", "FLASK_APP": "", "WEB_CONCURRENCY": ""}
    # start_server picks a free port and passes it in PORT; `flask run` takes it as --port.
    server = start_server(env=env, command=["sh", "-c", 'exec "$@" --port "$PORT"', "flask", *flask])
    try:
        r = server.get("/predict?CRIM=0.0006&RM=6.5&AGE=65&DIS=5")
        assert r.status_code == 200 and r.json()["message"].startswith(LECTURE_SENTENCE)
        features = json.loads((ROOT / "model" / "model.json").read_text())["features"]
        assert server.get("/").text.count('type="number"') == len(features)
    finally:
        stop_server(server)

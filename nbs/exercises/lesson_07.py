"""Self-checks for 07_see_it_running. The server of the lesson is stopped by the time the exercises
come, so the checks ask the same app through Flask's test client, as lessons 04 to 06 do."""

import functools
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from exercises import unanswered, verdict

MODEL_DIR = Path(__file__).resolve().parents[2] / "model"

# What `curl -s -i` printed for one answer, line ends as the lesson keeps them (\n).
SAMPLE_ANSWER = (
    "HTTP/1.1 200 OK\n"
    "Server: gunicorn\n"
    "Date: Thu, 26 Nov 2026 10:55:00 GMT\n"
    "Content-Type: application/json\n"
    "X-Request-Id: 5a1e7f3c-0b9d-4e2a-8c61-3f0d2b7e9a14\n"
    "\n"
    "Shown: this line is the body, not a header\n"
)


@functools.cache
def client():
    """Flask's test client for the app gunicorn serves (built once)."""
    from boston_app.app import create_app

    return create_app({"MODEL_DIR": MODEL_DIR}).test_client()


def check_1(url):
    """The URL asks for RM=8 and LSTAT=3 and nothing else, and the service answers it with 200."""
    if url is None:
        return unanswered(1, "answer_1")
    if not isinstance(url, str):
        return verdict(1, "answer_1 should be text, such as '/predict?CRIM=0.0006&RM=6.5'")
    parts = urlsplit(url)
    if parts.path != "/predict":
        return verdict(1, f"the path should be /predict, not {parts.path!r}")
    answer = client().get(f"/predict?{parts.query}")
    if answer.status_code != 200:
        problem = answer.json["error"]["message"]
        return verdict(1, f"the service answered {answer.status_code}: {problem}")
    given = set(parse_qs(parts.query))
    if given != {"RM", "LSTAT"}:
        return verdict(1, f"give RM and LSTAT only, not {sorted(given)}")
    inputs = answer.json["inputs"]
    if inputs["RM"] != 8 or inputs["LSTAT"] != 3:
        return verdict(1, f"the service read RM = {inputs['RM']} and LSTAT = {inputs['LSTAT']}")
    return verdict(1)


HEADER_CASES = [
    ("Content-Type", "application/json"),
    ("content-type", "application/json"),  # header names ignore case
    ("Date", "Thu, 26 Nov 2026 10:55:00 GMT"),  # a value may hold ': ' itself
    ("X-Request-Id", "5a1e7f3c-0b9d-4e2a-8c61-3f0d2b7e9a14"),
    ("Location", None),  # not in this answer
    ("Shown", None),  # a line of the body, after the blank line
]


def check_2(header):
    """`header(answer, name)` finds each header of SAMPLE_ANSWER, any case, and None for others."""
    if not callable(header):
        return verdict(2, "answer_2 should be the function `header` itself")
    for name, want in HEADER_CASES:
        try:
            got = header(SAMPLE_ANSWER, name)
        except Exception as error:
            return verdict(2, f"header(answer, {name!r}) raised {error!r}")
        if got != want:
            return verdict(2, f"header(answer, {name!r}) gave {got!r}, not {want!r}")
    return verdict(2)


# Bad requests and the fields their 400 answers name.
BAD_REQUESTS = [
    ("/predict?CRIM=0.0006&RM=abc&AGE=65&DIS=5", ["RM"]),
    ("/predict?RM=abc&AGE=150&CHAS=2", ["AGE", "CHAS", "RM"]),
    ("/predict?CRIM=0.0006&PRICE=5", ["PRICE"]),
]


def check_3(fields_named):
    """`fields_named(body)` gives the fields a 400 answer's JSON body names (any order)."""
    if not callable(fields_named):
        return verdict(3, "answer_3 should be the function `fields_named` itself")
    for path, want in BAD_REQUESTS:
        body = client().get(path).get_data(as_text=True)
        try:
            got = fields_named(body)
        except Exception as error:
            return verdict(3, f"fields_named raised {error!r} on {body}")
        if got is None or sorted(got) != want:
            return verdict(3, f"for {path} it gave {got!r}; the answer names {want}: {body}")
    return verdict(3)

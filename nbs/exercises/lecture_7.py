"""Self-checks for lecture_7_serve: the configuration, and reading what `curl -s -i` printed."""

from boston_app.core import ConfigError, load_config
from exercises import unanswered, verdict

CASES_1 = [
    ({}, 1000),
    ({"BOSTON_MAX_BATCH": "50"}, 50),
]
WRONG_1 = [{"BOSTON_MAX_BATCH": "-1"}, {"BOSTON_MAX_BATCH": "many"}, {"BOSTON_ENGINE": "excel"}]


def check_1(max_batch):
    "Exercise 1: `max_batch(env)` gives MAX_BATCH, or the ConfigError's message."
    if max_batch is None:
        return unanswered(1, "max_batch")
    try:
        if max_batch({}) is None:
            return verdict(1, "max_batch returns None: write its body in the cell above")
        for env, expected in CASES_1:
            got = max_batch(env)
            if got != expected:
                return verdict(1, f"max_batch({env}) gave {got!r}, expected {expected!r}")
        for env in WRONG_1:
            got = max_batch(env)
            try:
                load_config(env)
            except ConfigError as e:
                expected = str(e)
            if got != expected:
                return verdict(1, f"max_batch({env}) gave {got!r}, expected {expected!r}")
    except ConfigError as e:
        return verdict(1, f"a ConfigError escaped ({e}): catch it and return its message")
    return verdict(1)


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
        return verdict(2, "answer with the function `header` itself")
    for name, want in HEADER_CASES:
        try:
            got = header(SAMPLE_ANSWER, name)
        except Exception as error:
            return verdict(2, f"header(answer, {name!r}) raised {error!r}")
        if got != want:
            return verdict(2, f"header(answer, {name!r}) gave {got!r}, not {want!r}")
    return verdict(2)

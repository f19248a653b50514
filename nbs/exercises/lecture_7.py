"""Self-checks for lecture_7_serve: reading what `curl -s -i` printed."""

from exercises import verdict

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


def check_1(header):
    """`header(answer, name)` finds each header of SAMPLE_ANSWER, any case, and None for others."""
    if not callable(header):
        return verdict(1, "answer with the function `header` itself")
    for name, want in HEADER_CASES:
        try:
            got = header(SAMPLE_ANSWER, name)
        except Exception as error:
            return verdict(1, f"header(answer, {name!r}) raised {error!r}")
        if got != want:
            return verdict(1, f"header(answer, {name!r}) gave {got!r}, not {want!r}")
    return verdict(1)

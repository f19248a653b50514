"""Self-checks for lecture_8_deploy."""

from exercises import unanswered, verdict

HEROKU_SECONDS = {"boot": 60, "request": 30, "shutdown": 30}


def check_1(seconds):
    """Heroku's limits in seconds: to answer on $PORT, to answer a request, SIGTERM to SIGKILL."""
    if seconds is None:
        return unanswered(1, "answer_1")
    if not isinstance(seconds, dict) or set(seconds) != set(HEROKU_SECONDS):
        return verdict(
            1, "answer_1 should be a dict with the keys 'boot', 'request' and 'shutdown'"
        )
    for name, want in HEROKU_SECONDS.items():
        if seconds[name] == 25:
            return verdict(
                1,
                f"{name}: 25 s is our graceful_timeout, chosen to fit inside a Heroku limit",
            )
        if seconds[name] != want:
            return verdict(
                1,
                f"{name}: {seconds[name]!r} s is not Heroku's limit; see the first section",
            )
    return verdict(1)


# Logs as honcho, a dyno and a plain gunicorn write them, and the port each listens on.
LOGS = [
    (
        "11:02:03 system | web.1 started (pid=23731)\n"
        "11:02:03 web.1  | [2026-11-26 11:02:03 +0000] [23733] [INFO] Starting gunicorn 27.0.1\n"
        "11:02:03 web.1  | [2026-11-26 11:02:03 +0000] [23733] [INFO] Listening at: "
        "http://127.0.0.1:43903 (23733)\n",
        43903,
    ),
    (
        "2026-11-26T11:02:03+00:00 app[web.1]: [2026-11-26 11:02:03 +0000] [2] [INFO] "
        "Listening at: http://[::]:36125 (2)\n"
        "2026-11-26T11:02:03+00:00 app[web.1]: [2026-11-26 11:02:03 +0000] [2] [INFO] "
        "Using worker: gevent\n",
        36125,
    ),
    ("[2026-11-26 11:02:03 +0000] [5000] [INFO] Listening at: http://0.0.0.0:8000 (5000)\n", 8000),
]


def check_2(listening_port):
    """`listening_port(log)` reads the port from gunicorn's 'Listening at' line."""
    if not callable(listening_port):
        return verdict(2, "answer_2 should be the function `listening_port` itself")
    for log, want in LOGS:
        try:
            got = listening_port(log)
        except Exception as error:
            return verdict(2, f"listening_port raised {error!r} on:\n{log}")
        if got != want:
            return verdict(2, f"listening_port gave {got!r}, not {want}, on:\n{log}")
    return verdict(2)

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

"""Part 1, lesson 7's self-checks: the placeholder is 'not yet', a solution written from the exercise's text passes, a
plausible wrong answer is 'not yet'. The reference solutions live here, not in the notebook."""

import re

from exercises import is_not_yet, passed, unanswered
from exercises.lecture_8 import check_1


def placeholder(*args):
    return None


def listening_port(log):
    for line in log.splitlines():
        if "Listening at:" in line:
            address = line.split("Listening at: ")[1].split(" ")[0]
            return int(address.rsplit(":", 1)[1])
    return None


def last_number(log):  # the master's pid, not the port
    line = next(line for line in log.splitlines() if "Listening at:" in line)
    return int(re.findall(r"\d+", line)[-1])


def test_placeholders_are_not_yet():
    assert check_1(None) == unanswered(1, "answer_1")


def test_check_1():
    assert check_1({"boot": 60, "request": 30, "shutdown": 30}) == passed(1)
    ours = check_1({"boot": 60, "request": 30, "shutdown": 25})  # our graceful_timeout, not Heroku's limit
    assert is_not_yet(ours, 1) and "graceful_timeout" in ours
    assert is_not_yet(check_1({"boot": 30, "request": 30, "shutdown": 30}), 1)
    assert is_not_yet(check_1([60, 30, 30]), 1)

"""Lesson 08's self-checks: the placeholder is 'not yet', a reference solution passes, a plausible wrong answer
is 'not yet'. The reference solutions live here, not in the notebook."""

import re

from exercises import is_not_yet, passed, unanswered
from exercises.lecture_7 import check_1, check_2, check_3


def placeholder(*args):
    return None


def shell_status(returncode):
    if returncode < 0:
        return 128 - returncode
    return returncode


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
    assert is_not_yet(check_1(placeholder), 1)
    assert is_not_yet(check_2(placeholder), 2)
    assert check_3(None) == unanswered(3, "answer_3")


def test_check_1():
    assert check_1(shell_status) == passed(1)
    assert is_not_yet(check_1(abs), 1)  # -15 gives 15
    assert is_not_yet(check_1(lambda rc: 128 - rc), 1)  # 0 gives 128
    assert is_not_yet(check_1(143), 1)


def test_check_2():
    assert check_2(listening_port) == passed(2)
    assert is_not_yet(check_2(last_number), 2)
    assert is_not_yet(check_2(lambda log: int(log.split(":")[-1].split(" ")[0])), 2)


def test_check_3():
    assert check_3({"boot": 60, "request": 30, "shutdown": 30}) == passed(3)
    assert is_not_yet(check_3({"boot": 60, "request": 30, "shutdown": 25}), 3)  # ours
    assert is_not_yet(check_3({"boot": 30, "request": 30, "shutdown": 30}), 3)
    assert is_not_yet(check_3([60, 30, 30]), 3)

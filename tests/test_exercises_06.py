"""The self-checks of 06_app's exercises: the placeholder is "not yet", a right answer passes, a wrong one does
not. The reference solutions live here, not in the notebook."""

import re

import pytest
from exercises.lesson_06 import check_1, check_2, check_3

from boston_app.app import ConfigError, load_config

NOT_YET = re.compile(r"Exercise \d: not yet: .+")


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def max_batch(env):
    try:
        return load_config(env)["MAX_BATCH"]
    except ConfigError as e:
        return str(e)


def test_placeholders_are_not_yet():
    assert NOT_YET.fullmatch(check_1(None))
    assert NOT_YET.fullmatch(check_1(lambda response: None))  # the notebook's stub
    assert NOT_YET.fullmatch(check_2(None))
    assert NOT_YET.fullmatch(check_2(lambda env: None))  # the notebook's stub
    assert check_3(None) == "Exercise 3: not yet: set `answer_3` in the cell above, then run this cell again"


def wrong_header(response):  # wrong: another header
    response.headers["Cache-Control"] = "no-cache"
    return response


def forgets_to_return(response):  # wrong: Flask needs the response back
    response.headers["Cache-Control"] = "no-store"


def test_exercise_1():
    assert check_1(no_store) == "Exercise 1: PASS"
    assert NOT_YET.fullmatch(check_1(wrong_header))
    assert NOT_YET.fullmatch(check_1(forgets_to_return))
    assert NOT_YET.fullmatch(check_1(lambda response: 1 / 0))


def test_exercise_2():
    assert check_2(max_batch) == "Exercise 2: PASS"
    assert NOT_YET.fullmatch(check_2(lambda env: load_config(env)["MAX_BATCH"]))  # lets ConfigError escape
    assert NOT_YET.fullmatch(check_2(lambda env: int(env.get("BOSTON_MAX_BATCH", 1000))))  # no checks at all


@pytest.mark.parametrize("wrong", ["keepalive", "graceful_timeout", 30, "workers"])
def test_exercise_3(wrong):
    assert check_3("timeout") == "Exercise 3: PASS"
    assert NOT_YET.fullmatch(check_3(wrong))

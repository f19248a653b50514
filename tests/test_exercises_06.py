"""The self-checks of 06_app's exercises: the placeholder is "not yet", a right answer passes, a wrong one does
not. The reference solutions live here, not in the notebook."""

import pytest
from exercises import is_not_yet, passed, unanswered
from exercises.lesson_06 import check_1, check_2, check_3

from boston_app.core import ConfigError, load_config


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def max_batch(env):
    try:
        return load_config(env)["MAX_BATCH"]
    except ConfigError as e:
        return str(e)


def test_placeholders_are_not_yet():
    assert is_not_yet(check_1(None), 1)
    assert is_not_yet(check_1(lambda response: None), 1)  # the notebook's stub
    assert is_not_yet(check_2(None), 2)
    assert is_not_yet(check_2(lambda env: None), 2)  # the notebook's stub
    assert check_3(None) == unanswered(3, "answer_3")


def wrong_header(response):  # wrong: another header
    response.headers["Cache-Control"] = "no-cache"
    return response


def forgets_to_return(response):  # wrong: Flask needs the response back
    response.headers["Cache-Control"] = "no-store"


def test_exercise_1():
    assert check_1(no_store) == passed(1)
    assert is_not_yet(check_1(wrong_header), 1)
    assert is_not_yet(check_1(forgets_to_return), 1)
    assert is_not_yet(check_1(lambda response: 1 / 0), 1)


def test_exercise_2():
    assert check_2(max_batch) == passed(2)
    assert is_not_yet(check_2(lambda env: load_config(env)["MAX_BATCH"]), 2)  # lets ConfigError escape
    assert is_not_yet(check_2(lambda env: int(env.get("BOSTON_MAX_BATCH", 1000))), 2)  # no checks at all


@pytest.mark.parametrize("wrong", ["keepalive", "graceful_timeout", 30, "workers"])
def test_exercise_3(wrong):
    assert check_3("timeout") == passed(3)
    assert is_not_yet(check_3(wrong), 3)

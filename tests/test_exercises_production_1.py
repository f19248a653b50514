"""production_1_open_internet's self-checks: the placeholder is "not yet", a right answer passes, a wrong one does
not. The reference solutions live here, not in the notebook."""

import pytest
from exercises import is_not_yet, passed, unanswered
from exercises.production_1 import check_1, check_2, check_3

from boston_app.serving import BodyError, _check_size


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def wrong_header(response):  # wrong: another header
    response.headers["Cache-Control"] = "no-cache"
    return response


def forgets_to_return(response):  # wrong: Flask needs the response back
    response.headers["Cache-Control"] = "no-store"


def body_status(data, length, limit):
    try:
        _check_size(data, length, limit)
    except BodyError as e:
        return e.status
    return 200


def at_limit_refused(data, length, limit):  # wrong: a body of exactly `limit` bytes is allowed
    return 413 if len(data) >= limit else body_status(data, length, limit)


def size_only(data, length, limit):  # wrong: forgets the bytes announced
    return 413 if len(data) > limit else 200


def test_placeholders_are_not_yet():
    assert is_not_yet(check_1(lambda response: None), 1)  # the notebook's stub
    assert check_1(None) == unanswered(1, "no_store")
    assert check_2(None) == unanswered(2, "answer_2")
    assert is_not_yet(check_3(lambda data, length, limit: None), 3)  # the notebook's stub


def test_exercise_1():
    assert check_1(no_store) == passed(1)
    assert is_not_yet(check_1(wrong_header), 1)
    assert is_not_yet(check_1(forgets_to_return), 1)
    assert is_not_yet(check_1(lambda response: 1 / 0), 1)


@pytest.mark.parametrize("wrong", ["keepalive", "graceful_timeout", 30, "workers"])
def test_exercise_2(wrong):
    assert check_2("timeout") == passed(2)
    assert is_not_yet(check_2(wrong), 2)


def test_exercise_3():
    assert check_3(body_status) == passed(3)
    assert is_not_yet(check_3(at_limit_refused), 3)
    assert is_not_yet(check_3(size_only), 3)
    assert is_not_yet(check_3(_check_size), 3)  # gives None, or raises: not a status

"""lecture_7_serve's self-checks: the placeholder is 'not yet', a reference solution passes, a plausible wrong answer
is 'not yet'. The reference solutions live here, not in the notebook."""

from exercises import is_not_yet, passed, unanswered
from exercises.lecture_7 import check_1, check_2

from boston_app.core import ConfigError, load_config


def max_batch(env):
    try:
        return load_config(env)["MAX_BATCH"]
    except ConfigError as e:
        return str(e)


def header(answer, name):
    head = answer.split("\n\n", 1)[0]
    for line in head.splitlines()[1:]:
        key, value = line.split(": ", 1)
        if key.lower() == name.lower():
            return value
    return None


def header_case_sensitive(answer, name):
    head = answer.split("\n\n", 1)[0]
    for line in head.splitlines()[1:]:
        key, value = line.split(": ", 1)
        if key == name:
            return value
    return None


def header_whole_text(answer, name):  # reads the body too
    for line in answer.splitlines()[1:]:
        if ": " in line and line.split(": ", 1)[0].lower() == name.lower():
            return line.split(": ", 1)[1]
    return None


def test_placeholders_are_not_yet():
    assert check_1(None) == unanswered(1, "max_batch")
    assert is_not_yet(check_1(lambda env: None), 1)  # the notebook's stub
    assert is_not_yet(check_2(lambda answer, name: None), 2)  # the notebook's stub


def test_exercise_1():
    assert check_1(max_batch) == passed(1)
    assert is_not_yet(check_1(lambda env: load_config(env)["MAX_BATCH"]), 1)  # lets ConfigError escape
    assert is_not_yet(check_1(lambda env: int(env.get("BOSTON_MAX_BATCH", 1000))), 1)  # no checks at all


def test_exercise_2():
    assert check_2(header) == passed(2)
    assert is_not_yet(check_2(header_case_sensitive), 2)
    assert is_not_yet(check_2(header_whole_text), 2)
    assert is_not_yet(check_2("application/json"), 2)

"""Lesson 07's self-checks: the placeholder is 'not yet', a reference solution passes, a plausible wrong answer
is 'not yet'. The reference solutions live here, not in the notebook."""

import json

import pytest
from exercises import is_not_yet, passed, unanswered
from exercises.lesson_07 import check_1, check_2, check_3


def placeholder(*args):
    return None


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


def fields_named(body):
    return list(json.loads(body)["error"]["fields"])


def fields_from_message(body):  # the first field of the message only
    message = json.loads(body)["error"]["message"]
    return [message.removeprefix("invalid input: ").split(":")[0]]


def test_placeholders_are_not_yet():
    assert check_1(None) == unanswered(1, "answer_1")
    assert is_not_yet(check_2(placeholder), 2)
    assert is_not_yet(check_3(placeholder), 3)


@pytest.mark.parametrize("url", ["/predict?RM=8&LSTAT=3", "/predict?LSTAT=3.0&RM=8.0"])
def test_check_1_passes_the_url(url):
    assert check_1(url) == passed(1)


@pytest.mark.parametrize(
    "url",
    [
        "/predict?rm=8&lstat=3",  # lower case: unknown fields, the service answers 400
        "/predict?RM=8&LSTAT=30",  # 30%, not 3%
        "/predict?RM=8",  # LSTAT missing
        "/predict?RM=8&LSTAT=3&CRIM=0.0006",  # more than was asked
        "/?RM=8&LSTAT=3",  # the form's path
        8,
    ],
)
def test_check_1_refuses_wrong_urls(url):
    assert is_not_yet(check_1(url), 1)


def test_check_2():
    assert check_2(header) == passed(2)
    assert is_not_yet(check_2(header_case_sensitive), 2)
    assert is_not_yet(check_2(header_whole_text), 2)
    assert is_not_yet(check_2("application/json"), 2)


def test_check_3():
    assert check_3(fields_named) == passed(3)
    assert is_not_yet(check_3(fields_from_message), 3)
    assert is_not_yet(check_3(lambda body: ["RM"]), 3)

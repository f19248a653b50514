"""lecture_7_serve's self-checks: the placeholder is 'not yet', a reference solution passes, a plausible wrong answer
is 'not yet'. The reference solutions live here, not in the notebook."""

from exercises import is_not_yet, passed
from exercises.lecture_7 import check_1


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
    assert is_not_yet(check_1(lambda answer, name: None), 1)  # the notebook's stub


def test_exercise_1():
    assert check_1(header) == passed(1)
    assert is_not_yet(check_1(header_case_sensitive), 1)
    assert is_not_yet(check_1(header_whole_text), 1)
    assert is_not_yet(check_1("application/json"), 1)

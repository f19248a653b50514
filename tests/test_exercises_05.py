"""The self-checks of 05_form's exercises: the placeholder is "not yet", a right answer passes, a wrong one does
not. The reference solutions live here, not in the notebook."""

import re
from html import unescape

import pytest
from exercises import is_not_yet, passed, unanswered
from exercises.lesson_05 import LECTURE_HOUSE, check_1, check_2, check_3, client


def error_fields(html):
    return re.findall(r'<span class="error" id="(\w+)-error">', html)


def error_fields_unordered(html):  # wrong: a set loses the page's order
    return sorted(set(error_fields(html)))


def noax_answer():
    r = client().post("/", data={**LECTURE_HOUSE, "NOAX": "0.538"})
    errors = re.findall(r'<p class="error">(.*?)</p>', r.get_data(as_text=True))
    return r.status_code, unescape(errors[0])


def test_placeholders_are_not_yet():
    assert check_1(None) == unanswered(1, "error_fields")
    assert is_not_yet(check_1(lambda html: None), 1)
    assert is_not_yet(check_2(None), 2)
    assert is_not_yet(check_3(None), 3)


def test_exercise_1():
    assert check_1(error_fields) == passed(1)
    assert is_not_yet(check_1(error_fields_unordered), 1)
    assert is_not_yet(check_1(lambda html: re.findall(r'id="(\w+)"', html)), 1)  # every input, not the errors
    assert is_not_yet(check_1(lambda html: 1 / 0), 1)


def test_exercise_2():
    status, text = noax_answer()
    assert (status, text) == (400, "NOAX: unknown field; did you mean NOX?")
    assert check_2((status, text)) == passed(2)
    assert is_not_yet(check_2((200, text)), 2)  # the lecture's house alone is answered with a 200
    assert is_not_yet(check_2((400, "NOAX")), 2)  # not the whole text
    assert is_not_yet(check_2([status, text]), 2)


@pytest.mark.parametrize(
    "wrong", [{"template_folder": "templates"}, {"static_folder": "template"}, {}, "template", {"folder": "template"}]
)
def test_exercise_3(wrong):
    assert check_3({"template_folder": "template"}) == passed(3)
    assert is_not_yet(check_3(wrong), 3)

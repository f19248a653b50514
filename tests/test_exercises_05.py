"""The self-checks of 05_form's exercises: the placeholder is "not yet", a right answer passes, a wrong one does
not. The reference solutions live here, not in the notebook."""

import re
from html import unescape

import pytest
from exercises.lesson_05 import LECTURE_HOUSE, check_1, check_2, check_3, client

NOT_YET = re.compile(r"Exercise \d: not yet: .+")


def error_fields(html):
    return re.findall(r'<span class="error" id="(\w+)-error">', html)


def error_fields_unordered(html):  # wrong: a set loses the page's order
    return sorted(set(error_fields(html)))


def noax_answer():
    r = client().post("/", data={**LECTURE_HOUSE, "NOAX": "0.538"})
    errors = re.findall(r'<p class="error">(.*?)</p>', r.get_data(as_text=True))
    return r.status_code, unescape(errors[0])


def test_placeholders_are_not_yet():
    assert check_1(None) == "Exercise 1: not yet: set `error_fields` in the cell above, then run this cell again"
    assert NOT_YET.fullmatch(check_1(lambda html: None))
    assert NOT_YET.fullmatch(check_2(None))
    assert NOT_YET.fullmatch(check_3(None))


def test_exercise_1():
    assert check_1(error_fields) == "Exercise 1: PASS"
    assert NOT_YET.fullmatch(check_1(error_fields_unordered))
    assert NOT_YET.fullmatch(check_1(lambda html: re.findall(r'id="(\w+)"', html)))  # every input, not the errors
    assert NOT_YET.fullmatch(check_1(lambda html: 1 / 0))


def test_exercise_2():
    status, text = noax_answer()
    assert (status, text) == (400, "NOAX: unknown field; did you mean NOX?")
    assert check_2((status, text)) == "Exercise 2: PASS"
    assert NOT_YET.fullmatch(check_2((200, text)))  # the lecture's house alone is answered with a 200
    assert NOT_YET.fullmatch(check_2((400, "NOAX")))  # not the whole text
    assert NOT_YET.fullmatch(check_2([status, text]))


@pytest.mark.parametrize(
    "wrong", [{"template_folder": "templates"}, {"static_folder": "template"}, {}, "template", {"folder": "template"}]
)
def test_exercise_3(wrong):
    assert check_3({"template_folder": "template"}) == "Exercise 3: PASS"
    assert NOT_YET.fullmatch(check_3(wrong))

"""The self-checks of Part 1, lesson 5's exercises (nbs/lecture_6_form.ipynb): the placeholder is "not yet", a right
answer passes, a plausible wrong one does not. The reference solutions live here, not in the notebook."""

import re
from html import unescape

from exercises import is_not_yet, passed
from exercises.lecture_6 import LECTURE_HOUSE, check_1, client


def noax_answer():
    "Exercise 1 solved from its text: post the lecture's house with NOAX and read the page's error."
    r = client().post("/", data={**LECTURE_HOUSE, "NOAX": "0.538"})
    errors = re.findall(r'<p class="error">(.*?)</p>', r.get_data(as_text=True))
    return r.status_code, unescape(next(e for e in errors if "NOAX" in e))


def test_placeholders_are_not_yet():
    assert is_not_yet(check_1(None), 1)


def test_exercise_1():
    status, text = noax_answer()
    assert (status, text) == (400, "NOAX: unknown field; did you mean NOX?")
    assert check_1((status, text)) == passed(1)
    assert check_1((status, f"  {text}\n")) == passed(1)  # surrounding blanks do not matter
    assert is_not_yet(check_1((200, text)), 1)  # the lecture's house alone is answered with a 200
    assert is_not_yet(check_1((400, "NOAX")), 1)  # not the whole text
    assert is_not_yet(check_1((400, "unknown field; did you mean NOX?")), 1)  # the text as the page shows it
    assert is_not_yet(check_1([status, text]), 1)


def test_exercise_1_is_about_the_part_1_form():
    "The check's app is Part 1's: the lesson's form and API, no layer of Part 2."
    assert set(client().application.blueprints) == {"api", "form"}

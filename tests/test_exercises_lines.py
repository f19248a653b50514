"""The lines every exercise check prints (nbs/exercises/__init__.py), as tests/test_exercises_NN.py reads them:
`passed(n)` is exercise n's PASS, and `is_not_yet(line, n)` holds for exercise n's "not yet" only, one that says
what is missing."""

import pytest
from exercises import is_not_yet, passed, unanswered, verdict


def test_a_pass_names_its_exercise_and_says_pass():
    assert passed(3) == "Exercise 3: PASS"  # the lessons tell a learner that a check cell says `PASS`
    assert passed(12) == verdict(12)


def test_a_not_yet_of_the_exercise_that_says_why_is_not_yet():
    assert is_not_yet(verdict(2, "give a pair"), 2)
    assert is_not_yet(unanswered(2, "answer_2"), 2)
    assert is_not_yet(verdict(2, "it gave None, on:\nthe log it read"), 2)  # some lessons quote what they read


@pytest.mark.parametrize(
    "line",
    [
        passed(2),
        verdict(1, "give a pair"),  # another exercise's
        verdict(12, "give a pair"),
        verdict(2, ""),  # says nothing about what is missing
        verdict(2, "  "),
        None,
        "not yet: give a pair",
    ],
)
def test_anything_else_is_not_a_not_yet_of_exercise_2(line):
    assert not is_not_yet(line, 2)

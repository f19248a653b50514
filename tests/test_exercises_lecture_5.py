"""lecture_5_query_endpoint's exercise checks: a right answer passes, wrong ones get "not yet"."""

from exercises import is_not_yet, passed, verdict
from exercises.lecture_5 import LECTURE_URL, check_1, served_client


# Reference solutions (kept here, not in the notebook).
def answer_1():
    return served_client().get(LECTURE_URL + "&LSTAT=4.98").json["price_usd"]


def test_check_1():
    assert is_not_yet(check_1(None), 1)
    assert check_1(answer_1()) == passed(1)
    lecture_price = served_client().get(LECTURE_URL).json["price_usd"]
    line = check_1(lecture_price)
    assert is_not_yet(line, 1) and line.startswith(verdict(1, "that is the lecture's price"))
    assert is_not_yet(check_1(answer_1() + 1000), 1)

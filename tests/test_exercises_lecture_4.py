"""Part 1, lesson 4's exercise checks: the placeholder is "not yet", a right answer passes, a wrong one does not."""

from exercises import is_not_yet, passed
from exercises.lecture_4 import check_1

from boston_app.model import default_model_dir, read_card
from boston_app.validation import Schema, to_number, validate_row

SCHEMA = Schema.from_card(read_card(default_model_dir()))


# Reference solutions, solved from the exercises' text (kept here, not in the notebook).
def answer_1():
    r = validate_row(SCHEMA, {"CRIM": "0.0006", "RM": "6.5", "AGE": "65", "DIS": "5"})
    name = r.warnings[0].split(" ")[0]
    return name, SCHEMA.features[SCHEMA.index[name]]["train_min"]


def to_number_comma(value):
    if isinstance(value, str):
        value = value.replace(",", ".")
    return to_number(value)


def test_check_1():
    assert is_not_yet(check_1(None), 1)
    assert check_1(answer_1()) == passed(1)
    assert is_not_yet(check_1(("CRIM", 0.00632)), 1)  # the whole data set's minimum, not the training split's
    assert is_not_yet(check_1(("RM", 3.863)), 1)  # not the warned feature
    assert is_not_yet(check_1("CRIM"), 1)  # a name, not a pair

"""production_2_json_api's exercise checks: "not yet" for the placeholder and a wrong answer, PASS for a right one."""

from exercises import is_not_yet, passed
from exercises.production_2 import LECTURE_HOUSE, ROOMS, check_1, check_2, served_client

from boston_app.validation import ValidationError, validate_row


# Reference solutions (kept here, not in the notebook).
def valid_rows(schema, instances):
    positions = []
    for i, row in enumerate(instances):
        if not isinstance(row, dict):
            continue
        try:
            validate_row(schema, row)
        except ValidationError:
            continue
        positions.append(i)
    return positions


def answer_2():
    instances = [dict(LECTURE_HOUSE, RM=rooms) for rooms in ROOMS]
    return served_client().post("/predict", json={"instances": instances}).json["predictions"]


def test_check_1():
    assert is_not_yet(check_1(lambda schema, instances: None), 1)
    assert check_1(valid_rows) == passed(1)
    dicts = lambda schema, instances: [i for i, r in enumerate(instances) if isinstance(r, dict)]
    assert is_not_yet(check_1(dicts), 1)  # not validated


def test_check_2():
    assert is_not_yet(check_2(None), 2)
    assert check_2(answer_2()) == passed(2)
    assert is_not_yet(check_2([1000 * x for x in answer_2()]), 2)  # dollars, not $1000s
    assert is_not_yet(check_2(answer_2()[::-1]), 2)  # not in order
    assert is_not_yet(check_2(answer_2()[:3]), 2)
    one_row = served_client().post("/predict", json=LECTURE_HOUSE).json["prediction"]
    assert is_not_yet(check_2([one_row] * 4), 2)  # the same house four times

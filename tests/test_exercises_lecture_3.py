"""The self-checks of lecture_3_model_file's exercises: the placeholder is "not yet", a right answer passes, a plausible
wrong one is refused. The reference solutions live here, not in the notebook."""

from exercises import is_not_yet, passed
from exercises.lecture_3 import check_1, check_2

from boston_app.model import ModelError, load_model
from conftest import ROOT


def is_trusted(model_dir):
    try:
        load_model(model_dir)
    except ModelError:
        return False
    return True


def test_exercise_1_trusts_only_the_model_training_wrote():
    assert is_not_yet(check_1(lambda model_dir: None), 1)
    assert check_1(is_trusted) == passed(1)
    assert is_not_yet(check_1(lambda model_dir: True), 1)  # trusts anything
    assert is_not_yet(check_1(lambda model_dir: (model_dir / "model.json").exists()), 1)  # a card is not enough
    assert "catch it" in check_1(lambda model_dir: load_model(model_dir) is not None)  # lets ModelError out


def lecture_house_usd():
    model = load_model(ROOT / "model")
    row = [f["median"] for f in model.card["features"]]
    for name, value in {"CRIM": 0.0006, "RM": 6.5, "AGE": 65, "DIS": 5}.items():
        row[model.features.index(name)] = value
    return float(model.predict([row])[0]) * 1000


def test_exercise_2_is_the_lecture_house_in_dollars():
    price = lecture_house_usd()
    assert 21_000 < price < 22_500  # docs/api.md's example answers $21,722
    assert is_not_yet(check_2(None), 2)
    assert check_2(price) == passed(2)
    assert check_2(round(price)) == passed(2)
    assert "in $1000s" in check_2(price / 1000)  # MEDV's unit, not dollars
    assert "in $1000s" in check_2(round(price / 1000, 1))  # rounded as a learner writes it
    assert is_not_yet(check_2(price + 500), 2)  # another row, e.g. zeros instead of medians
    assert is_not_yet(check_2("21722"), 2)

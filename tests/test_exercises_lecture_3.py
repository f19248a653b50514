"""The self-checks of lecture_3_model_file's exercises: the placeholder is "not yet", a right answer passes, a plausible
wrong one is refused. The reference solutions live here, not in the notebook."""

from exercises import is_not_yet, passed
from exercises.lecture_3 import check_1

from boston_app.model import ModelError, load_model


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

"""The self-checks of production_7_retrain_gate's exercises: the placeholder is "not yet", a right answer passes, a
plausible wrong one is refused. The reference solutions live here, not in the notebook. Every gate runs on a copy
of model/ in a temporary folder, never on the committed one."""

import shutil

import pytest
from exercises import is_not_yet, passed
from exercises.production_7 import check_1, check_2, check_3

from boston_app.gate import GateRefused, gate, held_out_split, train_candidate
from boston_app.model import read_card
from boston_app.train import evaluate
from conftest import ROOT


@pytest.fixture
def copy_model(tmp_path):
    """A function giving a fresh copy of the committed model folder each time, as the lesson's `copy_model`."""
    count = iter(range(100))

    def copy():
        folder = tmp_path / f"copy{next(count)}" / "model"
        shutil.copytree(ROOT / "model", folder)
        return folder

    return copy


def refusal(folder, candidate):
    try:
        gate(folder, candidate)
    except GateRefused as e:
        return e
    raise AssertionError(f"{candidate} was promoted")


def test_exercise_1_is_the_two_tree_rmse_rise_as_a_fraction():
    card = read_card(ROOT / "model")
    (X_train, X_test, y_train, y_test), feats = held_out_split(card)
    forest, _, _ = train_candidate("two_trees", X_train, y_train, feats)
    rise = evaluate(forest, X_test, y_test)["rmse"] / card["metrics"]["rmse"] - 1
    assert is_not_yet(check_1(None), 1)
    assert check_1(rise) == passed(1)  # 0.628
    assert check_1(round(rise, 3)) == passed(1)
    assert "percentage" in check_1(100 * rise)  # 62.8, a percentage
    assert is_not_yet(check_1(0.02), 1)  # today's tolerance
    assert is_not_yet(check_1(0.274), 1)  # the MAE's rise, not the RMSE's
    assert is_not_yet(check_1("0.628"), 1)


def test_exercise_2_is_the_noisy_prices_refusal(copy_model):
    answer = str(refusal(copy_model(), "noisy_prices"))
    assert is_not_yet(check_2(None), 2)
    assert check_2(answer) == passed(2)
    assert "str(e)" in check_2(refusal(copy_model(), "noisy_prices"))  # the exception, not its message
    assert is_not_yet(check_2(str(refusal(copy_model(), "two_trees"))), 2)  # another candidate's refusal
    assert is_not_yet(check_2(answer.replace("+2.0%", "+5.0%")), 2)  # made up, not the gate's own line
    assert is_not_yet(check_2(42), 2)


def test_exercise_3_is_a_copy_promoted_twice(copy_model):
    folder = copy_model()
    gate(folder)
    once = copy_model()
    shutil.copytree(folder, once, dirs_exist_ok=True)
    gate(folder)
    assert is_not_yet(check_3(None), 3)
    assert check_3(folder) == passed(3)
    assert check_3(str(folder)) == passed(3)
    assert "version 2" in check_3(once)  # promoted once only
    assert is_not_yet(check_3(ROOT / "model"), 3)  # the committed model: never gated by an exercise
    (folder / "model.onnx").write_bytes(b"not a model")
    assert "SHA-256 mismatch" in check_3(folder)

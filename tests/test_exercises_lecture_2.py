"""The self-checks of lecture_2_train's exercises: the placeholder is "not yet", a right answer passes, a plausible
wrong one is refused. The reference solutions live here, not in the notebook. Nothing is written into the
repository: the model of exercise 3 goes to a temporary folder."""

import json
import shutil

import pytest
from exercises import is_not_yet, passed
from exercises.lecture_2 import check_1, check_2, check_3, committed_forest
from sklearn.model_selection import train_test_split

from boston_app.data import load_boston
from boston_app.train import evaluate, save_model, select_features, train_forest
from conftest import ROOT

FOUR = ["CRIM", "RM", "AGE", "DIS"]


def test_exercise_1_is_the_share_of_importance_the_lectures_four_features_hold():
    """What the exercise asks, solved from its text: the sum of the four values in rf.feature_importances_."""
    assert is_not_yet(check_1(None), 1)
    names = [f["name"] for f in json.loads((ROOT / "model" / "model.json").read_text())["features"]]
    importances = committed_forest().feature_importances_
    share = sum(importances[names.index(name)] for name in FOUR)
    assert 0.6 < share < 0.63  # the lesson's forest: 0.616
    assert check_1(share) == passed(1)
    assert check_1(round(share, 3)) == passed(1)  # rounded as a learner would write it
    assert check_1(float(round(share, 3))) == passed(1)
    assert "percentage" in check_1(round(100 * share, 1))
    assert is_not_yet(check_1(4), 1)  # a count of features, not a share
    assert is_not_yet(check_1(0.912), 1)  # the four largest shares (RM, LSTAT, DIS, CRIM), not the lecture's four
    assert is_not_yet(check_1(round(share, 3) + 0.002), 1)
    assert is_not_yet(check_1("0.616"), 1)


@pytest.fixture(scope="module")
def four_feature_forest():
    X_all, y = load_boston()
    X4, feats4 = select_features(X_all, FOUR)
    X_train, X_test, y_train, y_test = train_test_split(X4, y, test_size=0.2, random_state=42)
    forest = train_forest(X_train, y_train, n_estimators=20, random_state=42)
    return forest, feats4, X_train, evaluate(forest, X_test, y_test)


def test_exercise_2_is_the_four_feature_r2(four_feature_forest):
    metrics = four_feature_forest[3]
    assert is_not_yet(check_2(None), 2)
    assert check_2(metrics["r2"]) == passed(2)
    assert is_not_yet(check_2(0.893), 2)  # the 13-feature forest
    assert is_not_yet(check_2(metrics["r2"] + 0.05), 2)  # another split or seed
    assert is_not_yet(check_2("0.67"), 2)


# A card's 90% range, as `calibrate` gives it (the checks only need a valid one).
INTERVAL = dict(level=0.9, half_width=5.0, method="test", cv_folds=10, coverage_held_out=0.9, n_held_out=102)


def test_exercise_3_is_a_verified_four_feature_model_outside_the_repository(four_feature_forest, tmp_path):
    forest, feats4, X_train, metrics = four_feature_forest
    params = dict(features=FOUR, n_estimators=20, random_state=42, test_size=0.2)
    folder = tmp_path / "model4"
    save_model(forest, folder, feats4, X_train, metrics, params, INTERVAL)
    assert is_not_yet(check_3(None), 3)
    assert check_3(str(folder)) == passed(3)
    assert is_not_yet(check_3(ROOT / "model"), 3)  # the committed model: never the place for an exercise
    assert is_not_yet(check_3(tmp_path / "nothing-here"), 3)
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    data = bytearray((tampered / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tampered / "model.onnx").write_bytes(data)
    assert "SHA-256 mismatch" in check_3(tampered)


def test_exercise_3_refuses_a_model_on_other_features(tmp_path):
    X_all, y = load_boston()
    X, feats = select_features(X_all, ["RM", "LSTAT"])
    forest = train_forest(X, y, n_estimators=5)
    metrics = dict(r2=0.0, rmse=0.0, mae=0.0, n_test=0, unit="$1000s")
    save_model(forest, tmp_path, feats, X, metrics, params={}, interval=INTERVAL)
    line = check_3(tmp_path)
    assert is_not_yet(line, 3) and "expected ['CRIM', 'RM', 'AGE', 'DIS']" in line

"""The self-checks of lecture_2_train's exercises: the placeholder is "not yet", a right answer passes, a plausible
wrong one is refused. The reference solutions live here, not in the notebook."""

import json

from exercises import is_not_yet, passed
from exercises.lecture_2 import check_1, committed_forest

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

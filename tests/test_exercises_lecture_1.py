"""The self-checks of lecture_1_data's exercises: the placeholder is "not yet", a right answer passes, a plausible
wrong one is refused. The reference solutions live here, not in the notebook."""

import numpy as np
from exercises import is_not_yet, passed
from exercises.lecture_1 import check_1


def test_exercise_1_counts_the_capped_tracts():
    assert is_not_yet(check_1(None), 1)
    assert check_1(16) == passed(1)
    assert check_1(np.int64(16)) == passed(1)
    assert is_not_yet(check_1(50), 1)  # the cap, not the count
    assert is_not_yet(check_1(15), 1)
    assert is_not_yet(check_1(16.0), 1)  # a whole number is asked for
    assert is_not_yet(check_1(True), 1)

"""production_4_speed's self-checks: the untouched placeholder is "not yet", a reference answer passes, a plausible
wrong one does not."""

import pytest
from exercises import is_not_yet, passed
from exercises.production_4 import check_1, check_2, check_3


def placeholder_3(plain_ms, fast_ms):
    return None  # the notebook's stub


def reference_3(plain_ms, fast_ms):
    return (plain_ms - fast_ms) / plain_ms >= 0.05


def faster_at_all(plain_ms, fast_ms):
    return fast_ms < plain_ms


def relative_to_fast(plain_ms, fast_ms):
    return (plain_ms - fast_ms) / fast_ms >= 0.05


def test_placeholders_are_not_yet():
    assert is_not_yet(check_1(None), 1)
    assert is_not_yet(check_2(None), 2)
    assert is_not_yet(check_3(placeholder_3), 3)


@pytest.mark.parametrize("body", [b'{"CRIM": "0:1"}', b'{"a": {"b": {"c": 1}}}', b'{"instances": [[{"RM": 6}]]}'])
def test_check_1_passes_a_body_whose_colons_are_not_all_keys(body):
    assert check_1(body) == passed(1)


@pytest.mark.parametrize(
    "body",
    [
        b'{"CRIM": 0.1}',  # keys and colons match: the fast path
        b'{"a": 1, "a": 2}',  # a key given twice
        b'{"CRIM": NaN}',  # the plain parser refuses it
        b'{"CRIM": "\\ud800:"}',  # orjson refuses it
        '{"CRIM": "0:1"}',  # text, not bytes
    ],
)
def test_check_1_refuses_wrong_bodies(body):
    assert is_not_yet(check_1(body), 1)


def test_check_2():
    assert check_2([True, False, False, True, False]) == passed(2)
    assert is_not_yet(check_2([True, False, True, True, False]), 2)  # CHAS = true read as 1
    assert is_not_yet(check_2([True, True, False, True, True]), 2)  # past training, or a median filled in
    assert is_not_yet(check_2([True, False]), 2)


def test_check_3():
    assert check_3(reference_3) == passed(3)
    assert is_not_yet(check_3(faster_at_all), 3)
    assert is_not_yet(check_3(relative_to_fast), 3)

"""Lesson 09's self-checks: the placeholder is 'not yet', a reference solution passes, a plausible wrong answer
is 'not yet'. The reference solutions live here, not in the notebook."""

import hmac

import pytest
from exercises import is_not_yet, passed
from exercises.production_3 import check_1, check_2, check_3


def placeholder(*args):
    return None


def sample(text, line_start):
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.split()[-1])
    return 0.0


def sample_without_the_space(text, line_start):  # takes a longer name that starts the same
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.split()[-1])
    return 0.0


def sample_none_when_missing(text, line_start):
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.split()[-1])
    return None


def share_at_most(buckets, bound):
    total = buckets["+Inf"]
    if total == 0:
        return 0.0
    return buckets[bound] / total


def share_adding_the_buckets(buckets, bound):  # forgets that buckets are cumulative
    total = buckets["+Inf"]
    if total == 0:
        return 0.0
    added = 0.0
    for upper, count in buckets.items():
        added += count
        if upper == bound:
            break
    return added / total


def share_dividing_by_zero(buckets, bound):
    return buckets[bound] / buckets["+Inf"]


def authorized(header, token):
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.encode(), token.encode())


def authorized_with_equals(header, token):  # right answers, but == stops at the first difference
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and given == token


def authorized_case_sensitive(header, token):
    scheme, _, given = header.partition(" ")
    return scheme == "Bearer" and hmac.compare_digest(given.encode(), token.encode())


def authorized_on_text(header, token):  # compare_digest refuses text outside ASCII
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given, token)


def authorized_prefix(header, token):  # accepts any header that merely starts right
    return header.lower().startswith("bearer ") and hmac.compare_digest(
        header[7 : 7 + len(token)].encode(), token.encode()
    )


@pytest.mark.parametrize(
    "check, answer, number",
    [
        (check_1, placeholder, 1),
        (check_1, None, 1),
        (check_2, placeholder, 2),
        (check_3, placeholder, 3),
    ],
)
def test_placeholders_are_not_yet(check, answer, number):
    assert is_not_yet(check(answer), number)


@pytest.mark.parametrize(
    "check, answer, number",
    [(check_1, sample, 1), (check_2, share_at_most, 2), (check_3, authorized, 3)],
)
def test_reference_solutions_pass(check, answer, number):
    assert check(answer) == passed(number)


@pytest.mark.parametrize(
    "check, answer, number",
    [
        (check_1, sample_without_the_space, 1),
        (check_1, sample_none_when_missing, 1),
        (check_2, share_adding_the_buckets, 2),
        (check_2, share_dividing_by_zero, 2),
        (check_3, authorized_with_equals, 3),
        (check_3, authorized_case_sensitive, 3),
        (check_3, authorized_on_text, 3),
        (check_3, authorized_prefix, 3),
    ],
)
def test_plausible_wrong_answers_are_not_yet(check, answer, number):
    assert is_not_yet(check(answer), number)

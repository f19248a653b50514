"""production_3_monitoring's self-checks: the placeholder is 'not yet', a reference solution passes, a plausible
wrong answer is 'not yet'. The reference solutions live here, not in the notebook."""

import hmac
import secrets
from hmac import compare_digest

import pytest
from exercises import is_not_yet, passed
from exercises.production_3 import check_1, check_2


def placeholder(*args):
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


def authorized_importing_the_name(header, token):  # right, with compare_digest imported by name
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and compare_digest(given.encode(), token.encode())


def authorized_with_secrets(header, token):  # right: secrets.compare_digest is hmac's
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(given.encode(), token.encode())


def authorized_with_equals_naming_compare_digest(header, token):  # says compare_digest, compares with ==
    """Not hmac.compare_digest: == stops at the first difference."""
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
        (check_2, None, 2),
    ],
)
def test_placeholders_are_not_yet(check, answer, number):
    assert is_not_yet(check(answer), number)


@pytest.mark.parametrize(
    "check, answer, number",
    [
        (check_1, share_at_most, 1),
        (check_2, authorized, 2),
        (check_2, authorized_importing_the_name, 2),
        (check_2, authorized_with_secrets, 2),
    ],
)
def test_reference_solutions_pass(check, answer, number):
    assert check(answer) == passed(number)


@pytest.mark.parametrize(
    "check, answer, number",
    [
        (check_1, share_adding_the_buckets, 1),
        (check_1, share_dividing_by_zero, 1),
        (check_2, authorized_with_equals, 2),
        (check_2, authorized_with_equals_naming_compare_digest, 2),
        (check_2, authorized_case_sensitive, 2),
        (check_2, authorized_on_text, 2),
        (check_2, authorized_prefix, 2),
    ],
)
def test_plausible_wrong_answers_are_not_yet(check, answer, number):
    assert is_not_yet(check(answer), number)

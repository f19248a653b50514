"""Self-checks for production_3_monitoring: the buckets and headers they try are written here."""

import hmac
import secrets

from exercises import verdict

PRICE_BUCKETS = {
    "5.0": 0.0,
    "10.0": 2.0,
    "15.0": 5.0,
    "20.0": 10.0,
    "25.0": 30.0,
    "30.0": 36.0,
    "+Inf": 40.0,
}
SHARE_CASES = [
    (PRICE_BUCKETS, "20.0", 0.25),
    (PRICE_BUCKETS, "10.0", 0.05),
    (PRICE_BUCKETS, "5.0", 0.0),
    (PRICE_BUCKETS, "+Inf", 1.0),
    ({"20.0": 0.0, "+Inf": 0.0}, "20.0", 0.0),  # nothing observed yet
]


def check_1(share_at_most):
    """`share_at_most(buckets, bound)` reads a cumulative bucket over the total, 0.0 when empty."""
    if not callable(share_at_most):
        return verdict(1, "answer_1 should be the function `share_at_most` itself")
    for buckets, bound, want in SHARE_CASES:
        try:
            got = share_at_most(buckets, bound)
        except Exception as error:
            return verdict(1, f"share_at_most(buckets, {bound!r}) raised {error!r} for {buckets}")
        if got is None or abs(got - want) > 1e-9:
            return verdict(
                1, f"share_at_most(buckets, {bound!r}) gave {got!r}, not {want!r}, for {buckets}"
            )
    return verdict(1)


TOKEN = "s3cret-Token_0123456789"
AUTH_CASES = [
    (f"Bearer {TOKEN}", True),
    (f"bearer {TOKEN}", True),  # the scheme's name ignores case
    (f"Bearer {TOKEN}x", False),
    (f"Bearer {TOKEN[:-1]}", False),
    ("Bearer guess", False),
    ("", False),  # no header
    ("Bearer", False),
    (f"Basic {TOKEN}", False),
    ("Bearer s3cret-Tökén_0123456789", False),  # not ASCII: compare bytes
]


def calls_compare_digest(authorized):
    """Whether `authorized` calls hmac.compare_digest on the right token (under any name)."""
    real = hmac.compare_digest
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    names = getattr(authorized, "__globals__", {})
    bound = [name for name, value in names.items() if value is real]
    hmac.compare_digest = secrets.compare_digest = spy
    for name in bound:
        names[name] = spy
    try:
        authorized(f"Bearer {TOKEN}", TOKEN)
    finally:
        hmac.compare_digest = secrets.compare_digest = real
        for name in bound:
            names[name] = real
    return bool(calls)


def check_2(authorized):
    """`authorized(header, token)` takes exactly `Bearer <token>`, Bearer in any case."""
    if not callable(authorized):
        return verdict(2, "answer_2 should be the function `my_authorized` itself")
    for header, want in AUTH_CASES:
        try:
            got = authorized(header, TOKEN)
        except Exception as error:
            return verdict(2, f"my_authorized({header!r}, token) raised {error!r}")
        if got is not want:
            return verdict(2, f"my_authorized({header!r}, {TOKEN!r}) gave {got!r}, not {want!r}")
    if not calls_compare_digest(authorized):
        return verdict(2, "right answers; now compare with hmac.compare_digest, not ==")
    return verdict(2)

"""Self-checks for production_3_monitoring. The lesson's server is stopped by the time the exercises come,
so the checks make their metrics texts with Flask's test client, or write them out here."""

import functools
import inspect
from pathlib import Path

from exercises import verdict

MODEL_DIR = Path(__file__).resolve().parents[2] / "model"

# A made-up text where one name starts another: the longer one comes first.
PREFIX_TEXT = (
    "# TYPE boston_price_total counter\nboston_price_total_usd 3000.0\nboston_price_total 3.0\n"
)


@functools.cache
def metrics_text():
    """The /metrics text of a fresh app after GET /predict thrice: two 200s and one 400."""
    from boston_app.app import create_app

    client = create_app({"MODEL_DIR": MODEL_DIR}).test_client()
    client.get("/predict?RM=6.5")
    client.get("/predict?RM=9.5")
    client.get("/predict?RM=abc")
    return client.get("/metrics").get_data(as_text=True)


def sample_cases():
    """(text, line start, value) for check_1."""
    text = metrics_text()
    return [
        (text, 'boston_requests_total{method="GET",route="/predict",status="200"}', 2.0),
        (text, 'boston_requests_total{method="GET",route="/predict",status="400"}', 1.0),
        (text, "boston_predictions_total", 2.0),
        (text, 'boston_out_of_range_total{feature="RM",side="high"}', 1.0),
        (text, 'boston_out_of_range_total{feature="RM",side="low"}', 0.0),
        (text, 'boston_requests_total{method="POST",route="/predict",status="200"}', 0.0),
        (PREFIX_TEXT, "boston_price_total", 3.0),
    ]


def check_1(sample):
    """`sample(text, line_start)` reads each value, 0.0 when missing, never a longer name's."""
    if not callable(sample):
        return verdict(1, "answer_1 should be the function `sample` itself")
    for text, start, want in sample_cases():
        try:
            got = sample(text, start)
        except Exception as error:
            return verdict(1, f"sample(text, {start!r}) raised {error!r}")
        if not isinstance(got, float) or got != want:
            hint = (
                " (a longer name starts the same: match the start and a space)"
                if text is PREFIX_TEXT
                else ""
            )
            return verdict(1, f"sample(text, {start!r}) gave {got!r}, not {want!r}{hint}")
    return verdict(1)


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


def check_2(share_at_most):
    """`share_at_most(buckets, bound)` reads a cumulative bucket over the total, 0.0 when empty."""
    if not callable(share_at_most):
        return verdict(2, "answer_2 should be the function `share_at_most` itself")
    for buckets, bound, want in SHARE_CASES:
        try:
            got = share_at_most(buckets, bound)
        except Exception as error:
            return verdict(2, f"share_at_most(buckets, {bound!r}) raised {error!r} for {buckets}")
        if got is None or abs(got - want) > 1e-9:
            return verdict(
                2, f"share_at_most(buckets, {bound!r}) gave {got!r}, not {want!r}, for {buckets}"
            )
    return verdict(2)


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


def uses_compare_digest(fn):
    """Whether the source of `fn` calls compare_digest (True when the source cannot be read)."""
    try:
        return "compare_digest" in inspect.getsource(fn)
    except (OSError, TypeError):
        return True


def check_3(authorized):
    """`authorized(header, token)` takes exactly `Bearer <token>`, Bearer in any case."""
    if not callable(authorized):
        return verdict(3, "answer_3 should be the function itself")
    for header, want in AUTH_CASES:
        try:
            got = authorized(header, TOKEN)
        except Exception as error:
            return verdict(3, f"authorized({header!r}, token) raised {error!r}")
        if got is not want:
            return verdict(3, f"authorized({header!r}, {TOKEN!r}) gave {got!r}, not {want!r}")
    if not uses_compare_digest(authorized):
        return verdict(3, "right answers; now compare with hmac.compare_digest, not ==")
    return verdict(3)

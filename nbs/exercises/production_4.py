"""Self-checks for production_4_speed's exercises."""

import orjson

from boston_app.jsonapi import parse_json
from boston_app.model import default_model_dir, read_card
from boston_app.speed import _keys, usual_rows
from boston_app.validation import Schema, ValidationError
from exercises import unanswered, verdict

SCHEMA = Schema.from_card(read_card(default_model_dir()))
MEDIANS = dict(zip(SCHEMA.names, SCHEMA.medians))
# Exercise 2: the training medians, each with one change.
ROWS_2 = [
    {**MEDIANS, "TAX": 711},
    {**MEDIANS, "TAX": 712.0},
    {**MEDIANS, "CHAS": True},
    {**MEDIANS, "B": 396.9},
    {name: value for name, value in MEDIANS.items() if name != "B"},
]


def _repeats_a_key(value):
    """Whether any object in the parsed `value` was given a key twice."""
    if isinstance(value, dict):
        return bool(getattr(value, "repeated", ())) or any(
            _repeats_a_key(v) for v in value.values()
        )
    if isinstance(value, list):
        return any(_repeats_a_key(v) for v in value)
    return False


def check_1(answer):
    """A JSON body with no key twice, which orjson reads, but whose keys and colons differ."""
    if answer is None:
        return unanswered(1, "answer_1")
    if not isinstance(answer, bytes):
        return verdict(1, f"give the body as bytes, b'...', not a {type(answer).__name__}")
    try:
        value = parse_json(answer)
    except ValidationError as e:
        return verdict(1, f"the plain parser refuses it: {e}")
    if _repeats_a_key(value):
        return verdict(1, "it gives a key twice; find a body without that")
    try:
        keys = _keys(orjson.loads(answer))
    except orjson.JSONDecodeError:
        return verdict(1, "orjson refuses this body; find one that orjson reads too")
    if keys == answer.count(b":"):
        return verdict(1, f"{keys} keys and as many colons: this body takes the fast path")
    return verdict(1)


def check_2(answer):
    """Which of ROWS_2 `usual_rows` checks in the array."""
    if answer is None:
        return unanswered(2, "answer_2")
    if not isinstance(answer, (list, tuple)) or len(answer) != len(ROWS_2):
        return verdict(2, f"give a list of {len(ROWS_2)} booleans, one for each row")
    expected, _ = usual_rows(SCHEMA, ROWS_2)
    wrong = [i + 1 for i, (a, e) in enumerate(zip(answer, expected)) if a != e]
    if wrong:
        return verdict(2, f"look again at row {', '.join(map(str, wrong))}")
    return verdict(2)


# Exercise 3: (plain ms, fast ms, whether the trick stays).
CASES_3 = [(10, 9, True), (10, 9.6, False), (10, 11, False), (100, 94.8, True), (100, 95.2, False)]


def check_3(worth_keeping):
    """`worth_keeping(plain_ms, fast_ms)`: True when a trick saves at least 5% of the plain time."""
    if worth_keeping(10, 9) is None:
        return verdict(
            3,
            "`worth_keeping` returns None: write its body in the cell above, then run this one",
        )
    for plain_ms, fast_ms, stays in CASES_3:
        if bool(worth_keeping(plain_ms, fast_ms)) != stays:
            saved = (plain_ms - fast_ms) / plain_ms
            return verdict(
                3, f"from {plain_ms} ms to {fast_ms} ms saves {saved:.0%}: it should say {stays}"
            )
    return verdict(3)

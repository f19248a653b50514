"""Property-based tests (hypothesis) of boston_app.validation, the one piece of code every surface validates with.

Any mapping of inputs either validates to finite, in-domain numbers in the card's feature order (left-out features
at their training medians), or is refused with a `ValidationError` whose fields name a field; `to_number` raises
nothing but `ValueError`; a batch answers as its rows one by one; `parse_json` reads JSON and records repeated keys.
Through the app: any row sent to `/explain` either validates and is explained (contributions that add up to the
prediction) or is refused with a 400 that names a field.
"""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boston_app.jsonapi import validate_batch
from boston_app.model import default_model_dir, read_card
from boston_app.validation import (
    MAX_UNKNOWN,
    Row,
    Schema,
    ValidationError,
    domain_error,
    shown,
    to_number,
    validate_row,
)

CARD = read_card(default_model_dir())
SCHEMA = Schema.from_card(CARD)
NAMES = SCHEMA.names
SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# Values as they arrive: JSON scalars and containers, and text as query strings and forms send it.
numeric_text = st.one_of(
    st.builds(
        "{}{}{}{}{}{}".format,
        st.sampled_from(["", " ", "\t"]),
        st.sampled_from(["", "+", "-"]),
        st.integers(0, 10**6),
        st.sampled_from(["", ".", ".5", ".000001"]),
        st.sampled_from(["", "e3", "E-2", "e+308", "e309", "e-400"]),
        st.sampled_from(["", " ", "\n"]),
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
    st.sampled_from(
        [
            "nan",
            "NaN",
            "-nan",
            "inf",
            "+Infinity",
            "-INF",
            "1e400",
            "-1e400",
            "0x10",
            "1_000",
            "١٢",
            "",
            " ",
            "true",
            "null",
            "None",
            "6.5.1",
            "1e",
            ".",
            "+",
            "--1",
            "\x00",
            "1\x00",
            "½",
        ]
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    numeric_text,
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=4,
)
odd_objects = st.one_of(
    st.binary(max_size=10),
    st.complex_numbers(),
    st.decimals(),
    st.fractions(),
    st.just(object()),
    st.sets(st.integers(), max_size=3),
    st.tuples(st.integers()),
)
keys = st.one_of(
    st.sampled_from(NAMES), st.sampled_from(["NOAX", "crim", "Rm", "instances", "", "…", "k" * 60]), st.text(max_size=8)
)
rows = st.dictionaries(keys, json_values, max_size=15)
# Mostly-plausible rows, so that the "validates" branch is exercised as much as the "refused" one.
plausible = st.dictionaries(
    st.sampled_from(NAMES), st.one_of(st.floats(0, 120), st.integers(0, 1), numeric_text), max_size=13
)


def check_refusal(e, row):
    """Every field a refusal names is a feature, a key of the row (possibly cut short), `body`, or the count of more."""
    assert isinstance(e, ValidationError) and e.fields, "a refusal names at least one field"
    allowed = set(NAMES) | {shown(k) for k in row} | {"…"}
    for name, problem in e.fields.items():
        assert name in allowed, (name, problem)
        assert isinstance(problem, str) and problem
    assert len(e.fields) <= len(row) + MAX_UNKNOWN + 1


def check_row(r, row):
    assert isinstance(r, Row) and len(r.values) == len(NAMES)
    for f, x in zip(CARD["features"], r.values):
        assert isinstance(x, float) and math.isfinite(x), (f["name"], x)
        assert domain_error(f, x) is None, (f["name"], x)
        if f["name"] in row:
            assert x == to_number(row[f["name"]]) == r.given[f["name"]]
        else:
            assert x == f["median"] and f["name"] in r.filled
    assert r.filled == [n for n in NAMES if n not in row]  # in card order
    assert list(r.given) == [n for n in NAMES if n in row]


@SETTINGS
@given(rows)
def test_any_row_validates_or_names_a_field(row):
    try:
        r = validate_row(SCHEMA, row)
    except ValidationError as e:
        check_refusal(e, row)
    else:
        assert set(row) <= set(NAMES)
        check_row(r, row)


@SETTINGS
@given(plausible)
def test_plausible_rows_validate_in_card_order(row):
    try:
        r = validate_row(SCHEMA, row)
    except ValidationError as e:
        check_refusal(e, row)
        assert set(e.fields) <= set(NAMES)  # only the values can be wrong here
        for name in e.fields:
            try:
                x = to_number(row[name])
            except ValueError:
                continue
            assert domain_error(CARD["features"][SCHEMA.index[name]], x)  # refused for its domain
    else:
        check_row(r, row)


@SETTINGS
@given(st.dictionaries(st.sampled_from(NAMES), st.floats(0, 1e6), max_size=13), st.sets(st.sampled_from(NAMES)))
def test_repeated_fields_are_named(row, repeated):
    try:
        validate_row(SCHEMA, row, sorted(repeated))
    except ValidationError as e:
        check_refusal(e, row | dict.fromkeys(repeated))
        assert all(e.fields[n] == "given more than once" for n in repeated)
    else:
        assert not repeated


@SETTINGS
@given(st.one_of(scalars, json_values, odd_objects))
def test_to_number_raises_only_value_error(value):
    try:
        x = to_number(value)
    except ValueError as e:
        assert str(e)
    else:
        assert isinstance(x, float) and math.isfinite(x)
        assert not isinstance(value, bool) and value is not None


@SETTINGS
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_to_number_of_a_float_and_its_text_agree(x):
    if math.isfinite(x):
        assert to_number(x) == x == to_number(repr(x)) == to_number(f" {x!r} ")
    else:
        for v in (x, repr(x), str(x).upper()):
            try:
                to_number(v)
            except ValueError:
                continue
            raise AssertionError(f"{v!r} accepted")


@SETTINGS
@given(st.one_of(st.lists(st.one_of(rows, plausible, scalars), max_size=8), json_values))
def test_any_batch_validates_or_names_an_instance(instances):
    try:
        values, warnings = validate_batch(SCHEMA, instances)
    except ValidationError as e:
        assert e.fields
        assert all(k == "instances" or k.startswith("instances[") for k in e.fields), e.fields
    else:
        assert isinstance(instances, list) and len(values) == len(instances) >= 1
        for v in values:
            assert len(v) == len(NAMES) and all(math.isfinite(x) for x in v)
        assert all(isinstance(w, str) and w.startswith("instances[") for w in warnings)


# ------------------------------------------------------------------------------ a batch is a loop of rows


@SETTINGS
@given(st.lists(st.one_of(plausible, rows, scalars), min_size=1, max_size=6))
def test_a_batch_answers_as_its_rows_one_by_one(instances):
    """validate_batch gives each row's validate_row values and warnings, or names each bad row's fields by position."""
    values, warnings, errors = [], [], {}
    for i, row in enumerate(instances):
        if not isinstance(row, dict):
            errors[f"instances[{i}]"] = "must be a JSON object of features"
            continue
        try:
            r = validate_row(SCHEMA, row)
        except ValidationError as e:
            errors.update({f"instances[{i}].{k}": v for k, v in e.fields.items()})
            continue
        values.append(r.values)
        warnings.extend(f"instances[{i}]: {w}" for w in r.warnings)
    try:
        got = validate_batch(SCHEMA, instances)
    except ValidationError as e:
        assert errors, e.fields
        assert e.fields.items() <= errors.items()  # the first errors, cut after MAX_UNKNOWN
        assert len(e.fields) == len(errors) or len(e.fields) >= MAX_UNKNOWN
    else:
        assert not errors
        assert got == (values, warnings[:MAX_UNKNOWN])


# ------------------------------------------------------------------------------ JSON bodies

# JSON text that may give a key twice: ('obj', pairs) becomes an object written pair by pair.
json_text = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(alphabet='ab:"\\ é', max_size=4),
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(st.tuples(st.sampled_from(["a", "b", "a:b", 'q"']), inner), max_size=3).map(lambda kv: ("obj", kv))
    ),
    max_leaves=8,
)


def to_text(v):
    """JSON text for a value from json_text."""
    import json

    if isinstance(v, tuple):
        return "{" + ", ".join(f"{json.dumps(k)}: {to_text(x)}" for k, x in v[1]) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(map(to_text, v)) + "]"
    return json.dumps(v)


def expected(v):
    """What parse_json must give for a value from json_text: the last value of a key, and the repeated keys."""
    if isinstance(v, tuple):
        kept = dict(v[1])  # a key given twice keeps its place and its last value, as a dict does
        keys = [k for k, _ in v[1]]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        return {k: expected(x)[0] for k, x in kept.items()}, [repeated] + [
            r for x in kept.values() for r in expected(x)[1]
        ]
    if isinstance(v, list):
        return [expected(x)[0] for x in v], [r for x in v for r in expected(x)[1]]
    return v, []


def repeated_keys(v):
    """Every parsed object's repeated keys, depth first, as parse_json recorded them."""
    if isinstance(v, dict):
        return [sorted(getattr(v, "repeated", ()))] + [r for x in v.values() for r in repeated_keys(x)]
    if isinstance(v, list):
        return [r for x in v for r in repeated_keys(x)]
    return []


@SETTINGS
@given(json_text)
def test_parse_json_reads_values_and_records_every_repeated_key(value):
    from boston_app.jsonapi import parse_json

    got = parse_json(to_text(value).encode())
    want, repeated = expected(value)
    assert got == want and repeated_keys(got) == repeated


@pytest.mark.parametrize("digits", ["18446744073709551616", "1" + "0" * 40, "9" * 308, "1" + "0" * 400])
def test_a_huge_integer_in_a_body_is_a_number_or_too_large(digits):
    from boston_app.jsonapi import parse_json

    row = parse_json(f'{{"CRIM": {digits}}}'.encode())
    try:
        r = validate_row(SCHEMA, row)
    except ValidationError as e:
        assert e.fields == {"CRIM": "is too large"}
    else:
        assert r.given["CRIM"] == float(int(digits))


# ------------------------------------------------------------------------------ /explain, through the app


def check_explained(r, row):
    """Either an explanation whose contributions add up to its prediction, or a 400 naming a field."""
    body = r.get_json()
    if r.status_code == 200:
        assert set(row) <= set(NAMES)
        assert list(body["contributions"]) == NAMES
        total = body["base"] + sum(body["contributions"].values())
        assert abs(total - body["prediction"]) < 1e-4
        assert body["interval"]["low"] < body["prediction"] < body["interval"]["high"]
        return
    assert r.status_code == 400, (r.status_code, body)
    fields = body["error"]["fields"]
    assert fields and all(isinstance(v, str) and v for v in fields.values())
    allowed = set(NAMES) | {shown(k) for k in row} | {"…", "body"}
    assert set(fields) <= allowed, fields


@SETTINGS
@given(st.one_of(rows, plausible))
def test_any_row_sent_to_explain_is_explained_or_names_a_field(client, row):
    try:
        body = json.dumps(row)  # NaN and Infinity become literals JSON refuses: a 400 naming body
    except (TypeError, ValueError):
        return
    check_explained(client.post("/explain", data=body, content_type="application/json"), row)


@SETTINGS
@given(st.dictionaries(keys, numeric_text, max_size=13))
def test_any_query_sent_to_explain_is_explained_or_names_a_field(client, row):
    if any("\x00" in k + v for k, v in row.items()) or any(not k for k in row):
        return  # a query string cannot carry these as they are
    check_explained(client.get("/explain", query_string=row), row)

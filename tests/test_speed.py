"""The two speed tricks of production_4_speed answer exactly as the plain code the core lessons teach (hypothesis).

`parse_json_fast(b)` gives the same value as `jsonapi.parse_json(b)` (types, float signs, key order, every object's
`repeated`), or the same `ValidationError` fields; `validate_batch_fast` gives the same `(values, warnings)` as
`jsonapi.validate_batch` (its values one float array holding exactly the plain list of lists), or the same
`ValidationError` fields, in the same order and cut.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from boston_app import jsonapi, validation
from boston_app.jsonapi import validate_batch
from boston_app.model import default_model_dir, read_card
from boston_app.speed import parse_json_fast, usual_intervals, validate_batch_fast
from boston_app.validation import MAX_UNKNOWN, Schema, ValidationError

CARD = read_card(default_model_dir())
SCHEMA = Schema.from_card(CARD)
NAMES = SCHEMA.names
FEATURES = {f["name"]: f for f in CARD["features"]}
SETTINGS = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def canonical(v):
    """`v` with everything equality would blur made visible: types, float signs and repeated keys, in order. A float
    array counts as the list of lists it holds (`validate_batch_fast`'s values: the model reads both alike)."""
    if isinstance(v, np.ndarray):
        assert v.dtype == np.float64
        return canonical(v.tolist())
    if isinstance(v, tuple):
        return ("tuple", [canonical(x) for x in v])
    if isinstance(v, dict):
        items = [(k, canonical(x)) for k, x in v.items()]
        return ("object", items, sorted(getattr(v, "repeated", ())))
    if isinstance(v, list):
        return ("array", [canonical(x) for x in v])
    if isinstance(v, float):
        return ("float", repr(v))
    return (type(v).__name__, v)


def outcome(f, *args):
    """What `f(*args)` answers: ('ok', its value made canonical) or ('error', the fields, in order)."""
    try:
        return ("ok", canonical(f(*args)))
    except ValidationError as e:
        return ("error", list(e.fields.items()))


# ------------------------------------------------------------------------------------------------ parse_json_fast
# JSON text built by hand, so that it can give a key twice, spell constants Python accepts and JSON does not, put
# colons and brackets inside strings, and space tokens apart in every way JSON allows (and some it does not).
space = st.sampled_from(["", "", " ", "\n", "\t", "\r\n", "  ", "\x0c"])
big_integers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.integers(2**63 - 3, 2**64 + 3),
    st.integers(-(2**63) - 3, -(2**63) + 3),
    st.integers(10**18, 10**25),
)
number_text = st.one_of(
    big_integers.map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_subnormal=True, min_value=-1e-300, max_value=1e-300).map(repr),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "-0", "-0.0", "1E5", "1.5e+3"]),
    st.sampled_from(["01", "1.", ".5", "+1", "0x10", "1" + "0" * 400, "0." + "1" * 40, "9" * 5000]),
)
string_text = st.one_of(
    st.text(alphabet=':[]{}"\\, ab\u00e9\u20ac\U0001f600', max_size=6).map(json.dumps),
    st.text(max_size=6).map(lambda s: json.dumps(s, ensure_ascii=False)),
    st.sampled_from(['"\\ud800"', '"\\udc00x"', '"\\u0000"', '"a\tb"', '"\\x41"', '"\x7f"', '"\\u00e9"']),
)
key_text = st.one_of(
    st.sampled_from(["CRIM", "RM", "instances", "a", "a:b", 'q"', "[", ""]).map(json.dumps),
    st.just('"\\u0061"'),  # "a" spelled with an escape: the same key as "a"
)
json_text = st.recursive(
    st.one_of(st.sampled_from(["null", "true", "false"]), number_text, string_text),
    lambda inner: st.one_of(
        st.builds(lambda sp, xs: "[" + sp + ("," + sp).join(xs) + sp + "]", space, st.lists(inner, max_size=4)),
        st.builds(
            lambda sp, kv: "{" + sp + ("," + sp).join(f"{k}{sp}:{sp}{v}" for k, v in kv) + sp + "}",
            space,
            st.lists(st.tuples(key_text, inner), max_size=4),
        ),
    ),
    max_leaves=10,
)


@st.composite
def batch_text(draw):
    """A batch body as a client sends it: rows of feature numbers, a row now and then with a key twice."""
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        names = draw(st.lists(st.sampled_from(NAMES), max_size=5))
        rows.append("{" + ", ".join(f'"{n}": {draw(number_text)}' for n in names) + "}")
    return '{"instances": [' + ", ".join(rows) + "]}"


# The bytes on the wire: valid UTF-8, or not, with or without a byte-order mark, cut short or with bytes after.
raw_bytes = st.sampled_from([b"", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\x00", b" ", b":", b"]"])
bodies = st.one_of(
    json_text.map(str.encode),
    batch_text().map(str.encode),
    st.tuples(raw_bytes, json_text.map(str.encode), raw_bytes).map(b"".join),
    st.tuples(json_text.map(str.encode), st.integers(0, 40)).map(lambda t: t[0][: t[1]]),
    st.binary(max_size=20),
)


@SETTINGS
@given(bodies)
@example(b'{"instances": [{"CRIM": 1, "CRIM": 2}]}')
@example(b'{"a": 1, "a": 2}')
@example(b'{"a": {"b": {"c": 1}}}')
@example(b'{"a": "b:c"}')
@example(b'{"a": 18446744073709551616}')
@example(b"[1, NaN]")
@example(b'{"a": 1, "\\u0061": 2}')
@example('{"CRIM": 0.1, "RM": 6.5}'.encode("utf-16"))
def test_parse_json_fast_answers_as_the_plain_parser(data):
    assert outcome(parse_json_fast, data) == outcome(jsonapi.parse_json, data), data


# Deep nesting: orjson goes 1,024 levels deep, Python's parser to about its recursion limit, which depends on the
# caller's stack; these depths are far from both limits, on every Python.
def chain(f, data):
    """What `f(data)` answers for a nested body, walked without recursion: each level's type and length."""
    try:
        v = f(data)
    except ValidationError as e:
        return e.fields
    levels = []
    while isinstance(v, (list, dict)) and v:
        levels.append(("object" if isinstance(v, dict) else "array", len(v)))
        v = v[0] if isinstance(v, list) else v[next(iter(v))]
    return levels + [canonical(v)]


# Deep nesting: orjson goes 1,024 levels deep; Python 3.11's parser stops short of 1,000, nearer when the caller's
# stack is deep (Python 3.12 and 3.13 go deeper than orjson). Between those limits only the plain parser decides.
@pytest.mark.parametrize("depth", [1, 50, 99, 100, 101, 150, 1000, 1024, 1025, 20_000])
@pytest.mark.parametrize("inside", ["{}", "1", '{"a": 1}'])
def test_parse_json_fast_nests_as_the_plain_parser(depth, inside):
    for data in ("[" * depth + inside + "]" * depth, '{"instances": ' + "[" * depth + "]" * depth + "}"):
        data = data.encode()
        assert chain(parse_json_fast, data) == chain(jsonapi.parse_json, data), data[:50]


def test_parse_json_fast_reads_a_batch_with_orjson():
    """The usual batch takes the fast path: the objects orjson makes are plain dicts, not the plain parser's."""
    body = json.dumps({"instances": [{n: FEATURES[n]["median"] for n in NAMES}] * 3}).encode()
    value = parse_json_fast(body)
    assert type(value["instances"][0]) is dict
    assert canonical(value) == canonical(jsonapi.parse_json(body))


# ------------------------------------------------------------------------------------------- validate_batch_fast
def in_range(name):
    """A value validate_row takes as it is, with no warning: a float, or an int where the interval holds one."""
    f = FEATURES[name]
    if f.get("choices"):
        return st.sampled_from(f["choices"]).flatmap(lambda c: st.sampled_from([c, float(c)]))
    low, high = (float(a[NAMES.index(name)]) for a in usual_intervals(SCHEMA))
    floats = st.floats(low, high)
    ints = st.integers(math.ceil(low), math.floor(high)) if math.ceil(low) <= high else floats
    return st.one_of(floats, ints, st.sampled_from([low, high]))


def odd_value(name):
    """A value that is not usual for feature `name`: outside its domain or training range, or not a number."""
    f = FEATURES[name]
    return st.one_of(
        st.booleans(),
        st.floats(-1e6, 1e6),
        st.floats(f["train_max"], f["train_max"] * 2 + 1),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0.5, -0.0, -1, None, "6.5", " 1", "", "nan", [1], {"a": 1}]),
        st.sampled_from([10**400, -(10**400), 2**64, 2**70]),
    )


usual_row = st.fixed_dictionaries({n: in_range(n) for n in NAMES})


@st.composite
def odd_row(draw):
    """A row like a usual one but with something wrong, or only possible: the plain code must decide it."""
    row = dict(draw(usual_row))
    kind = draw(st.sampled_from(["value", "values", "missing", "extra", "repeated", "reordered"]))
    if kind == "value":
        name = draw(st.sampled_from(NAMES))
        row[name] = draw(odd_value(name))
    elif kind == "values":
        for name in draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=13)):
            row[name] = draw(odd_value(name))
    elif kind == "missing":
        for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=13)):
            row.pop(name, None)
    elif kind == "extra":
        row[draw(st.sampled_from(["NOAX", "crim", "", "k" * 60, "instances"]))] = 1.0
        if draw(st.booleans()):
            row.pop(draw(st.sampled_from(NAMES)))  # as many keys as features, one of them unknown
    elif kind == "repeated":
        row = jsonapi.Obj(row)
        row.repeated = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    else:
        row = dict(reversed(list(row.items())))  # the same row in another order: still usual
    return row


not_a_row = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5), st.lists(st.integers(), max_size=3)
)
instances = st.one_of(
    st.lists(st.one_of(usual_row, usual_row, odd_row(), not_a_row), max_size=30),
    st.lists(odd_row(), min_size=10, max_size=40),  # enough errors and warnings to reach the cut
    st.lists(usual_row, min_size=0, max_size=3).map(tuple),
    st.one_of(st.none(), st.integers(), st.text(max_size=3), st.dictionaries(st.text(max_size=3), st.integers())),
)


MEDIANS = {n: FEATURES[n]["median"] for n in NAMES}


@SETTINGS
@given(instances, st.one_of(st.just(validation.MAX_BATCH), st.integers(0, 40)))
@example([{**MEDIANS, "ZN": True}], 1000)
@example([MEDIANS, {**MEDIANS, "TAX": 10**400}], 1000)
@example([{**MEDIANS, "RM": float("nan")}, {**MEDIANS, "CHAS": 0.5}, {**MEDIANS, "CHAS": 1}], 1000)
@example([jsonapi.Obj(MEDIANS)], 1000)
@example([MEDIANS] * 3, 2)
@example([MEDIANS, {**{k: v for k, v in MEDIANS.items() if k != "RM"}, "rm": 6.0}], 1000)  # 13 keys, one unknown
@example([MEDIANS, {**MEDIANS, "TAX": "300"}, {**MEDIANS, "AGE": False}], 1000)  # a whole batch read, then row by row
def test_validate_batch_fast_answers_as_the_plain_loop(rows, max_batch):
    plain = outcome(validate_batch, SCHEMA, rows, max_batch)
    assert outcome(validate_batch_fast, SCHEMA, rows, max_batch) == plain, rows


@SETTINGS
@given(st.lists(st.one_of(batch_text().map(str.encode), bodies), min_size=1, max_size=1))
def test_a_parsed_body_validates_alike(body):
    """Rows as either parser gives them (dicts from orjson, the plain parser's objects) validate alike."""
    try:
        parsed = jsonapi.parse_json(body[0])
    except ValidationError:
        return
    rows = parsed.get("instances") if isinstance(parsed, dict) else parsed
    fast_rows = parse_json_fast(body[0])
    fast_rows = fast_rows.get("instances") if isinstance(fast_rows, dict) else fast_rows
    assert outcome(validate_batch_fast, SCHEMA, fast_rows) == outcome(validate_batch, SCHEMA, rows)


def test_usual_rows_take_the_fast_path():
    """A batch of usual rows gives the same values as the plain loop and no warning (the case it exists for)."""
    rows = [{n: FEATURES[n]["median"] for n in NAMES} for _ in range(50)]
    assert outcome(validate_batch_fast, SCHEMA, rows) == outcome(validate_batch, SCHEMA, rows)
    values, warnings = validate_batch_fast(SCHEMA, rows)
    assert type(values) is np.ndarray and values.shape == (50, len(NAMES)) and warnings == []


def test_the_cut_is_the_plain_one():
    """More than MAX_UNKNOWN warnings and errors: the same ones kept, in the same order."""
    warned = [{**{n: FEATURES[n]["median"] for n in NAMES}, "CRIM": 100.0} for _ in range(MAX_UNKNOWN + 5)]
    assert outcome(validate_batch_fast, SCHEMA, warned) == outcome(validate_batch, SCHEMA, warned)
    bad = [None, {"RM": -1}] * MAX_UNKNOWN
    assert outcome(validate_batch_fast, SCHEMA, bad) == outcome(validate_batch, SCHEMA, bad)

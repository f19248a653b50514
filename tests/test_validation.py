"""What validation answers, word for word: docs/api.md's table of refusals, the limits it names (40 characters of a
quoted value, MAX_UNKNOWN fields, MAX_BATCH rows) and where the training range ends. In-process only: no server.

The property tests (test_properties.py) say that every refusal names a field; these say what it tells the client.
Feature names, domains and training ranges come from the committed model card.
"""

import json

import pytest

from boston_app.jsonapi import parse_json, validate_batch
from boston_app.model import read_card
from boston_app.validation import (
    MAX_BATCH,
    MAX_UNKNOWN,
    Schema,
    ValidationError,
    to_number,
    validate_row,
)
from conftest import MODEL_DIR

CARD = read_card(MODEL_DIR)
SCHEMA = Schema.from_card(CARD)
FEATURES = {f["name"]: f for f in CARD["features"]}


def refusal(row, repeated=()):
    """The fields of the ValidationError that `row` is refused with."""
    with pytest.raises(ValidationError) as e:
        validate_row(SCHEMA, row, repeated)
    return e.value.fields


# docs/api.md, "Validation rules": each problem and the answer that names it.
RULES_TABLE = [
    ("empty", "", "is empty; give a number"),
    ("blank", "  ", "is empty; give a number"),
    ("a word", "six", "must be a number, got 'six'"),
    ("a decimal comma", "0,538", "must be a number, got '0,538'"),
    ("hexadecimal", "0x10", "must be a number, got '0x10'"),
    ("true", True, "must be a number, not true/false"),
    ("null", None, "must be a number, not null"),
    ("a JSON list", [6.5], "must be a number, not a list"),
    ("a JSON object", {"value": 6.5}, "must be a number, not a JSON object"),
    ("nan", "nan", "must be a finite number"),
    ("inf", "inf", "must be a finite number"),
    ("-Infinity", "-Infinity", "must be a finite number"),
    ("1e400", "1e400", "is too large"),
    ("a 400-digit integer", 10**400, "is too large"),
]


@pytest.mark.parametrize("value, answer", [c[1:] for c in RULES_TABLE], ids=[c[0] for c in RULES_TABLE])
def test_each_bad_value_is_answered_as_the_rules_table_says(value, answer):
    assert refusal({"RM": value}) == {"RM": answer}


def test_a_float_that_is_not_finite_is_refused_by_to_number_too():
    """A Python caller (a lesson, an exercise) may pass a float NaN or infinity, which no JSON body can carry."""
    for value, answer in [(float("nan"), "must be a finite number"), (float("inf"), "is too large")]:
        with pytest.raises(ValueError) as e:
            to_number(value)
        assert str(e.value) == answer


def test_a_quoted_value_is_cut_to_40_characters():
    exactly_40, longer = "x" * 40, "y" * 41
    assert refusal({"RM": exactly_40}) == {"RM": f"must be a number, got '{exactly_40}'"}
    assert refusal({"RM": longer}) == {"RM": f"must be a number, got '{longer[:40]}…'"}


def test_a_long_unknown_name_is_named_cut_to_40_characters():
    assert list(refusal({"k" * 60: 1})) == ["k" * 40 + "…"]


def test_the_training_range_includes_both_its_ends():
    """A value equal to train_min or train_max is one the model was trained on: no warning."""
    for name, f in FEATURES.items():
        for x in (f["train_min"], f["train_max"]):
            assert validate_row(SCHEMA, {name: x}).warnings == [], (name, x)


def test_a_value_just_past_the_training_range_is_warned_about():
    rm = FEATURES["RM"]
    x = rm["train_max"] + 0.5
    assert validate_row(SCHEMA, {"RM": x}).warnings == [
        f"RM = {x:g} is outside the training range {rm['train_min']:g} to {rm['train_max']:g}; "
        "the prediction is an extrapolation"
    ]


def test_a_name_like_no_feature_is_answered_with_every_feature_name():
    assert refusal({"price": 1}) == {"price": "unknown field; known: " + ", ".join(FEATURES)}


def test_a_misspelt_name_is_answered_with_the_closest_feature():
    assert refusal({"NOAX": 0.5, "crim": 1}) == {
        "NOAX": "unknown field; did you mean NOX?",
        "crim": "unknown field; did you mean CRIM?",
    }


def test_max_unknown_names_are_all_named_and_more_are_counted():
    names = [f"unknown{i}" for i in range(MAX_UNKNOWN + 2)]
    exactly = refusal(dict.fromkeys(names[:MAX_UNKNOWN], 1))
    assert list(exactly) == names[:MAX_UNKNOWN]  # all named, nothing counted
    more = refusal(dict.fromkeys(names, 1))
    assert list(more) == names[:MAX_UNKNOWN] + ["…"]
    assert more["…"] == "2 more unknown fields"


def test_the_error_message_names_every_field_and_problem_in_one_sentence(client):
    """docs/api.md, "Errors": the message lists each field and its problem, separated by semicolons."""
    r = client.get("/predict?NOAX=0.5&CHAS=0.5&AGE=150&RM=abc")
    assert r.status_code == 400
    assert r.get_json()["error"] == {
        "message": "invalid input: NOAX: unknown field; did you mean NOX?; CHAS: must be 0 or 1; "
        "RM: must be a number, got 'abc'; AGE: must be at most 100",
        "fields": {
            "NOAX": "unknown field; did you mean NOX?",
            "CHAS": "must be 0 or 1",
            "RM": "must be a number, got 'abc'",
            "AGE": "must be at most 100",
        },
    }


def test_instances_that_are_not_a_list_are_refused_naming_instances():
    with pytest.raises(ValidationError) as e:
        validate_batch(SCHEMA, {"RM": 6.5})
    assert e.value.fields == {"instances": "must be a list of feature objects"}


def test_a_batch_of_max_batch_rows_is_answered_and_one_more_is_refused():
    """docs/api.md, "Limits": a batch holds 1 to 1,000 instances."""
    values, _ = validate_batch(SCHEMA, [{}] * MAX_BATCH)
    assert len(values) == MAX_BATCH == 1000
    for n in (0, MAX_BATCH + 1):
        with pytest.raises(ValidationError) as e:
            validate_batch(SCHEMA, [{}] * n)
        assert e.value.fields == {"instances": f"must hold 1 to 1000 rows, got {n}"}


def test_a_key_given_twice_in_a_batch_instance_is_refused_naming_the_instance(client):
    """By lesson 03's validate_batch, reading the JSON as the service does, and by the service (whose batches take
    lesson 10's faster path to the same answers)."""
    body = '{"instances": [{"RM": 6.5}, {"RM": 6, "RM": 7}]}'
    expected = {"instances[1].RM": "given more than once"}
    with pytest.raises(ValidationError) as e:
        validate_batch(SCHEMA, parse_json(body.encode())["instances"])
    assert e.value.fields == expected
    r = client.post("/predict", data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"]["fields"] == expected


def test_a_batch_stops_at_max_unknown_errors():
    """Past MAX_UNKNOWN errors a batch is not read further: the first ten bad rows are named, the rest not."""
    instances = [{"RM": "six"}] * (MAX_UNKNOWN + 5)
    with pytest.raises(ValidationError) as e:
        validate_batch(SCHEMA, instances)
    assert list(e.value.fields) == [f"instances[{i}].RM" for i in range(MAX_UNKNOWN)]


def test_a_batch_names_at_most_max_unknown_warnings():
    instances = [{"RM": FEATURES["RM"]["train_max"] + 1}] * (MAX_UNKNOWN + 3)
    values, warnings = validate_batch(SCHEMA, instances)
    assert len(values) == MAX_UNKNOWN + 3
    assert [w.split(":")[0] for w in warnings] == [f"instances[{i}]" for i in range(MAX_UNKNOWN)]


def test_the_rules_table_is_what_the_json_api_answers(client):
    """The same words reach a client of POST /predict: one request naming every bad field of the table at once."""
    row = {"RM": "", "NOX": "0,538", "CHAS": True, "AGE": None, "DIS": "nan", "TAX": "1e400"}
    r = client.post("/predict", data=json.dumps(row), content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"]["fields"] == {
        "RM": "is empty; give a number",
        "NOX": "must be a number, got '0,538'",
        "CHAS": "must be a number, not true/false",
        "AGE": "must be a number, not null",
        "DIS": "must be a finite number",
        "TAX": "is too large",
    }

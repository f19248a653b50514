"""The fast engine gives the lecture's answers: what the service serves (onnxruntime) matches the scikit-learn pickle,
the reference, within 1e-4 ($0.10) on every row of the data set and on 10,000 random rows inside the domain.

Speed is not asserted here; `make bench` measures it. That the ONNX file is listed in the model card with its SHA-256,
verified at load (a changed byte is a ModelError) and rewritten byte for byte by training is tested in
tests/test_model.py and tests/test_notebooks.py.
"""

import numpy as np
import pytest

from boston_app.data import load_boston
from boston_app.speed import load_model  # the served app's loader
from conftest import MODEL_DIR

TOL = 1e-4  # MEDV is in $1000s: ten cents
BATCH = 1000
N_RANDOM, SEED = 10_000, 20260505


@pytest.fixture(scope="module")
def reference():
    """The lecture's model: the unpickled scikit-learn forest."""
    return load_model(MODEL_DIR, engine="sklearn")


@pytest.fixture(scope="module")
def served():
    """The model as the service loads it by default."""
    return load_model(MODEL_DIR)


def domain_rows(card, n=N_RANDOM, seed=SEED):
    """`n` rows drawn uniformly within each feature's training range; features with choices (CHAS) take one of them."""
    rng = np.random.default_rng(seed)
    cols = [
        rng.choice(np.array(f["choices"], dtype=float), n)
        if f.get("choices")
        else rng.uniform(f["train_min"], f["train_max"], n)
        for f in card["features"]
    ]
    return np.column_stack(cols)


@pytest.fixture(scope="module")
def rows(reference):
    X, _ = load_boston()
    return {"data set": X, "random in domain": domain_rows(reference.card)}


def test_the_random_rows_are_inside_the_domain_and_the_service_serves_onnx(reference, served, rows):
    card, R = reference.card, rows["random in domain"]
    assert R.shape == (N_RANDOM, len(card["features"]))
    for j, f in enumerate(card["features"]):
        assert f["train_min"] <= R[:, j].min() and R[:, j].max() <= f["train_max"], f["name"]
        if f.get("choices"):
            assert set(np.unique(R[:, j])) == set(f["choices"]), f["name"]
    assert served.engine == "onnx"  # otherwise the parity below would compare the pickle with itself


@pytest.mark.parametrize("which", ["data set", "random in domain"])
def test_model_predict_matches_scikit_learn(reference, served, rows, which):
    X = rows[which]
    want, got = reference.predict(X), served.predict(X)
    assert got.shape == want.shape == (len(X),) and np.isfinite(got).all()
    assert np.abs(got - want).max() < TOL


@pytest.mark.slow
@pytest.mark.parametrize("which", ["data set", "random in domain"])
def test_served_batches_match_scikit_learn(live_server, reference, rows, which):
    assert live_server.get("/health").json()["engine"] == "onnx"
    X, names = rows[which], reference.features
    got = []
    for start in range(0, len(X), BATCH):
        chunk = X[start : start + BATCH]
        r = live_server.post("/predict", json={"instances": [dict(zip(names, map(float, row))) for row in chunk]})
        assert r.status_code == 200, r.text
        got.extend(r.json()["predictions"])
    assert len(got) == len(X)
    assert np.abs(np.array(got) - reference.predict(X)).max() < TOL


@pytest.mark.slow
def test_the_lectures_get_predict_matches_scikit_learn_on_every_row(live_server, reference, rows):
    """GET /predict with all 13 features in the query string, as text, for each of the 506 houses."""
    X, names = rows["data set"], reference.features
    got = []
    for row in X:
        r = live_server.get("/predict", params={n: repr(float(v)) for n, v in zip(names, row)})
        assert r.status_code == 200, r.text
        assert r.json()["filled"] == []
        got.append(r.json()["prediction"])
    assert np.abs(np.array(got) - reference.predict(X)).max() < TOL
    # One batch of all 506: each house gets exactly its single-request price.
    r = live_server.post("/predict", json={"instances": [dict(zip(names, map(float, row))) for row in X]})
    assert r.status_code == 200 and r.json()["predictions"] == got


def test_both_batch_validators_answer_exactly_as_validating_each_row(reference):
    """validate_batch (the plain loop of lesson 03) and validate_batch_fast (lesson 10's shortcut, which takes the
    usual rows in one array) give the same values, warnings and errors as validate_row on every row, on batches
    mixing usual and unusual rows (JSON text, so ints, strings, nulls, duplicates and unknown keys arrive as a client
    sends them)."""
    import json
    import random

    from boston_app.jsonapi import parse_json, validate_batch
    from boston_app.speed import validate_batch_fast
    from boston_app.validation import MAX_UNKNOWN, Schema, ValidationError, validate_row

    card, rng = reference.card, random.Random(SEED)
    schema = Schema.from_card(card)

    def row_by_row(instances):
        values, warnings, errors = [], [], {}
        for i, inst in enumerate(instances):
            if not isinstance(inst, dict):
                errors[f"instances[{i}]"] = "must be a JSON object of features"
                continue
            try:
                r = validate_row(schema, inst, getattr(inst, "repeated", ()))
            except ValidationError as e:
                errors.update({f"instances[{i}].{k}": v for k, v in e.fields.items()})
                if len(errors) >= MAX_UNKNOWN:
                    break
                continue
            values.append(r.values)
            warnings.extend(f"instances[{i}]: {w}" for w in r.warnings[: MAX_UNKNOWN - len(warnings)])
        if errors:
            raise ValidationError(errors)
        return values, warnings

    def value(f, clean):
        lo, hi, c = f["train_min"], f["train_max"], rng.random()
        if f.get("choices"):
            return rng.choice([0, 1, 0.0, 1.0] + ([] if clean else [0.5, 2.0, "1"]))
        if c < (0.9 if clean else 0.6):
            return rng.uniform(lo, hi)
        if c < 0.93:
            return hi + rng.random() * 10 if f.get("high") is None else float(f["high"])
        if c < 0.96:
            return int(lo) if clean else lo - 1 - rng.random()
        return f"{rng.uniform(lo, hi)}" if clean else rng.choice([None, True, "x", [], {}, 1e308, f["median"]])

    def row_text(clean):
        p = 0.003 if clean else 0.03
        parts = [f'"{f["name"]}": {json.dumps(value(f, clean))}' for f in card["features"] if rng.random() >= p]
        parts += ['"RM": 6.0'] * (rng.random() < p) + ['"XX": 1.0'] * (rng.random() < p)
        rng.shuffle(parts)
        return "{" + ", ".join(parts) + "}"

    accepted = 0
    for trial in range(1000):
        body = '{"instances": [' + ", ".join(row_text(trial % 2 == 0) for _ in range(rng.randint(1, 8))) + "]}"
        instances = parse_json(body.encode())["instances"]
        outcome = []
        validators = (
            row_by_row,
            lambda inst: validate_batch(schema, inst),
            lambda inst: validate_batch_fast(schema, inst),
        )
        for validate in validators:
            try:
                values, warnings = validate(instances)  # the fast check's values: one float array
                outcome.append(("ok", (np.asarray(values).tolist(), warnings)))
            except ValidationError as e:
                outcome.append(("error", e.fields))
        assert outcome[0] == outcome[1] == outcome[2], body
        accepted += outcome[0][0] == "ok"
    assert 200 < accepted < 800  # both kinds of batch were exercised

"""Loading the model: every artifact verified against the card before use; one clear line when anything is wrong."""

import json
import shutil

import numpy as np
import pytest

from boston_app.data import FEATURE_NAMES, load_boston
from boston_app.model import ModelError, load_model
from conftest import MODEL_DIR


@pytest.fixture
def model_copy(tmp_path):
    dest = tmp_path / "model"
    shutil.copytree(MODEL_DIR, dest)
    return dest


def one_line(e):
    text = str(e.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize("engine", ["onnx", "sklearn"])
def test_both_engines_load_and_agree_on_the_data(engine):
    X, y = load_boston()
    model = load_model(MODEL_DIR, engine)
    assert model.features == list(FEATURE_NAMES)
    p = model.predict(X)
    assert p.shape == (506,) and np.isfinite(p).all()
    assert np.abs(p - load_model(MODEL_DIR, "sklearn").predict(X)).max() < 1e-4


def test_card_records_what_the_issue_asks():
    card = json.loads((MODEL_DIR / "model.json").read_text())
    assert [f["name"] for f in card["features"]] == list(FEATURE_NAMES)
    for f in card["features"]:
        assert f["train_min"] <= f["median"] <= f["train_max"]
        assert f["meaning"] and f["unit"]
    assert set(card["metrics"]) >= {"r2", "rmse", "mae"}
    assert set(card["params"]) >= {"n_estimators", "random_state", "test_size", "features"}
    assert set(card["versions"]) >= {"python", "scikit-learn", "numpy"}
    assert len(card["artifacts"]["model.pkl"]["sha256"]) == 64


@pytest.mark.parametrize("name", ["model.pkl", "model.onnx"])
def test_a_changed_byte_is_refused_naming_the_file_and_both_hashes(model_copy, name):
    data = bytearray((model_copy / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (model_copy / name).write_bytes(data)
    expected = json.loads((model_copy / "model.json").read_text())["artifacts"][name]["sha256"]
    with pytest.raises(ModelError) as e:
        load_model(model_copy, "sklearn")
    msg = one_line(e)
    assert str(model_copy / name) in msg and "SHA-256 mismatch" in msg and expected in msg


@pytest.mark.parametrize("name", ["model.pkl", "model.onnx", "model.json"])
def test_a_missing_file_is_refused(model_copy, name):
    (model_copy / name).unlink()
    with pytest.raises(ModelError) as e:
        load_model(model_copy)
    assert str(model_copy / name) in one_line(e) and "missing" in one_line(e)


def test_a_truncated_pickle_is_refused_before_unpickling(model_copy):
    path = model_copy / "model.pkl"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelError) as e:
        load_model(model_copy, "sklearn")
    assert "SHA-256 mismatch" in one_line(e)


def test_another_scikit_learn_version_is_refused(model_copy):
    card = json.loads((model_copy / "model.json").read_text())
    card["versions"]["scikit-learn"] = "1.0.2"
    (model_copy / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelError) as e:
        load_model(model_copy)
    assert "scikit-learn 1.0.2" in one_line(e) and "model.pkl" in one_line(e)


@pytest.mark.parametrize("text", ["{not json", "[]", '{"features": []}'])
def test_a_malformed_card_is_refused(model_copy, text):
    (model_copy / "model.json").write_text(text)
    with pytest.raises(ModelError) as e:
        load_model(model_copy)
    assert "model.json" in one_line(e)


def test_card_records_a_calibrated_90_percent_interval():
    interval = json.loads((MODEL_DIR / "model.json").read_text())["interval"]
    assert interval["level"] == 0.9 and interval["cv_folds"] == 10 and interval["n_held_out"] == 102
    assert 0.85 <= interval["coverage_held_out"] <= 0.95
    assert 0 < interval["half_width"] < 10


@pytest.mark.parametrize(
    "interval",
    [
        None,
        "wide",
        {},
        {"level": 0.9},
        {"level": 1.0, "half_width": 4.9},
        {"level": 0.9, "half_width": -1},
        {"level": 0.9, "half_width": float("inf")},
        {"level": True, "half_width": 4.9},
        {"level": 0.9, "half_width": "4"},
    ],
)
def test_a_card_without_a_valid_interval_is_refused_in_one_line(model_copy, interval):
    card = json.loads((model_copy / "model.json").read_text())
    if interval is None:
        del card["interval"]
    else:
        card["interval"] = interval
    (model_copy / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelError) as e:
        load_model(model_copy)
    assert '"interval"' in one_line(e) or "'interval'" in one_line(e)

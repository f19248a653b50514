"""Loading the model: every artifact verified against the card before use; one clear line when anything is wrong."""

import errno
import gc
import hashlib
import json
import os
import pickle
import shutil
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from boston_app import model
from boston_app.app import create_app
from boston_app.data import FEATURE_NAMES, load_boston
from boston_app.model import ModelError, read_card, verify_file
from boston_app.speed import ENGINES, load_model  # the served app's loader: Part 1's, with the onnx engine beside
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
        {"level": 0, "half_width": 4.9},
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
    load_model(model_copy)  # Part 1 reads no range: its app alone still loads this model
    with pytest.raises(ModelError) as e:
        create_app({"MODEL_DIR": model_copy})  # the range layer (interval.init_app) refuses it
    assert one_line(e) == f'{model_copy / "model.json"}: "interval" must give "level" in (0, 1) and a "half_width" >= 0'


# ---------------------------------------------------------------- every refusal, word for word


def edit_card(model_dir, change):
    """Rewrite `model_dir`'s card with `change(card)` applied."""
    path = model_dir / "model.json"
    card = json.loads(path.read_text())
    change(card)
    path.write_text(json.dumps(card))


def replace_artifact(model_dir, name, data):
    """Write `data` as artifact `name` and record its SHA-256 in the card: a file the card vouches for."""
    (model_dir / name).write_bytes(data)
    edit_card(model_dir, lambda card: card["artifacts"][name].update(sha256=hashlib.sha256(data).hexdigest()))


def refused(model_dir, engine="onnx"):
    """The one line `load_model` refuses `model_dir` with."""
    with pytest.raises(ModelError) as e:
        load_model(model_dir, engine)
    return one_line(e)


def test_without_arguments_the_model_beside_the_package_is_loaded():
    """The service's default model folder (no BOSTON_MODEL_DIR) is the checkout's model/."""
    model = load_model()
    assert model.model_dir == MODEL_DIR.resolve()
    assert model.card == read_card(MODEL_DIR)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_loaded_model_says_which_engine_serves(engine):
    model = load_model(MODEL_DIR, engine)
    assert model.engine == engine
    assert repr(model) == f"Model({engine}, 13 features, {MODEL_DIR})"


def test_each_engine_predicts_with_its_own_file():
    """sklearn answers exactly as the pickled forest does, onnx exactly as onnxruntime runs model.onnx on one thread
    (lesson 02; the two files differ in the last float32 digits, so an engine that ran the other file would show)."""
    X, _ = load_boston()
    with open(MODEL_DIR / "model.pkl", "rb") as f:
        forest = pickle.load(f)  # the committed model, trusted
    assert np.array_equal(load_model(MODEL_DIR, "sklearn").predict(X), forest.predict(X))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(MODEL_DIR / "model.onnx"), options, providers=["CPUExecutionProvider"])
    onnx_out = session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0][:, 0]
    assert np.array_equal(load_model(MODEL_DIR, "onnx").predict(X), onnx_out.astype(np.float64))
    assert not np.array_equal(forest.predict(X), onnx_out)  # the check above can tell the two files apart


def test_part_1_loads_the_pickle_and_knows_no_other_engine():
    """Part 1's loader alone: scikit-learn by default; onnx is the speed layer's, passed in with its `engines`."""
    assert model.load_model(MODEL_DIR).engine == "sklearn"
    with pytest.raises(ModelError) as e:
        model.load_model(MODEL_DIR, "onnx")
    assert one_line(e) == "engine 'onnx' is not one of ('sklearn',)"
    assert model.load_model(MODEL_DIR, "onnx", ENGINES).engine == "onnx"


def test_an_unknown_engine_is_refused_naming_the_engines():
    with pytest.raises(ModelError) as e:
        load_model(MODEL_DIR, "torch")
    assert one_line(e) == "engine 'torch' is not one of ('onnx', 'sklearn')"


def test_onnx_runs_on_one_thread_and_loads_without_a_word(capfd):
    """gunicorn runs a worker per core, so each worker's onnxruntime computes on its own thread only; and loading
    leaves nothing in the log (no warning, no fallback message)."""
    X, _ = load_boston()
    gc.collect()  # sessions of earlier tests, and their threads, are gone
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load_model(MODEL_DIR, "onnx")
        model.predict(X)
    if threads is not None:  # Linux: the threads of this process (a thread of another test may have ended since)
        assert len(os.listdir("/proc/self/task")) <= threads
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr() == ("", "")


# The card's "features" must be a non-empty list of feature objects, each with all its keys and numbers.
FEATURES_MESSAGE = (
    '"features" must be a non-empty list of feature objects with name, meaning, unit, median, train_min, '
    "train_max (median and training range as numbers)"
)
BAD_FEATURES = [
    ("a number", lambda features: 13),
    ("an object", lambda features: {f["name"]: f for f in features}),
    ("a list of names", lambda features: [f["name"] for f in features]),
    ("a feature without its unit", lambda features: [{k: v for k, v in features[0].items() if k != "unit"}]),
    ("a median as text", lambda features: [dict(features[0], median="6.2")]),
    ("a true train_max", lambda features: [dict(features[0], train_max=True)]),
]


@pytest.mark.parametrize("change", [c[1] for c in BAD_FEATURES], ids=[c[0] for c in BAD_FEATURES])
def test_a_card_with_bad_features_is_refused_saying_what_a_feature_needs(model_copy, change):
    edit_card(model_copy, lambda card: card.update(features=change(card["features"])))
    assert refused(model_copy) == f"{model_copy / 'model.json'}: {FEATURES_MESSAGE}"


FILES_MESSAGE = '"versions" must be an object, and "artifacts" must give each file its "sha256"'
BAD_FILES = [
    ("versions as text", {"versions": "scikit-learn 1.9.1"}),
    ("artifacts as a list", {"artifacts": ["model.pkl", "model.onnx"]}),
    ("an artifact as text", {"artifacts": {"model.pkl": "ea50a0b7"}}),
    ("an artifact without sha256", {"artifacts": {"model.pkl": {"bytes": 100}}}),
    ("a sha256 as a number", {"artifacts": {"model.pkl": {"sha256": 5}}}),
]


@pytest.mark.parametrize("change", [c[1] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_a_card_with_bad_versions_or_artifacts_is_refused_in_one_line(model_copy, change):
    edit_card(model_copy, lambda card: card.update(change))
    assert refused(model_copy) == f"{model_copy / 'model.json'}: {FILES_MESSAGE}"


@pytest.mark.parametrize("half_width", [0, 0.5])
def test_an_interval_half_width_of_zero_or_more_is_accepted(model_copy, half_width):
    """The card's rule is "half_width >= 0": zero (a point prediction) is allowed."""
    edit_card(model_copy, lambda card: card["interval"].update(half_width=half_width))
    app = create_app({"MODEL_DIR": model_copy})
    assert app.extensions["boston_app"].model.card["interval"]["half_width"] == half_width


def test_a_card_that_cannot_be_read_is_refused_with_the_reason(model_copy):
    path = model_copy / "model.json"
    path.unlink()
    path.mkdir()  # reading a folder fails: IsADirectoryError
    assert refused(model_copy) == f"{path}: cannot be read ({os.strerror(errno.EISDIR)})"


@pytest.mark.skipif(not Path("/proc/self/mem").is_file(), reason="needs Linux's /proc/self/mem")
def test_a_model_file_that_cannot_be_read_is_refused_with_the_reason(model_copy):
    """A file whose reading fails (as on a failing disk): /proc/self/mem gives an I/O error even to root."""
    path = model_copy / "model.pkl"
    path.unlink()
    path.symlink_to("/proc/self/mem")
    assert refused(model_copy) == f"{path}: cannot be read ({os.strerror(errno.EIO)})"


def test_a_file_the_card_does_not_list_is_refused():
    """verify_file only vouches for files the card lists (the explainer asks it for model.pkl)."""
    card = read_card(MODEL_DIR)
    with pytest.raises(ModelError) as e:
        verify_file(MODEL_DIR, card, "model.bin")
    assert one_line(e) == f"{MODEL_DIR / 'model.bin'}: not listed in the model card"


def test_a_changed_file_is_refused_saying_it_changed_after_training(model_copy):
    path = model_copy / "model.onnx"
    path.write_bytes(path.read_bytes() + b"\0")
    expected = json.loads((model_copy / "model.json").read_text())["artifacts"]["model.onnx"]["sha256"]
    found = hashlib.sha256(path.read_bytes()).hexdigest()
    assert refused(model_copy) == (
        f"{path}: SHA-256 mismatch, expected {expected}, found {found}; the file changed after training"
    )


def test_another_scikit_learn_is_refused_saying_both_ways_out(model_copy):
    edit_card(model_copy, lambda card: card["versions"].update({"scikit-learn": "1.0.2"}))
    assert refused(model_copy) == (
        f"{model_copy / 'model.pkl'}: written by scikit-learn 1.0.2, but {version('scikit-learn')} is installed; "
        "install scikit-learn==1.0.2 or retrain"
    )


def test_without_scikit_learn_installed_the_model_is_refused(model_copy, monkeypatch):
    """Where Python finds no scikit-learn (its site-packages hidden from the package metadata search), the model it
    wrote is refused, and the message says so."""
    hidden = [p for p in sys.path if not list(Path(p or ".").glob("scikit_learn-*.dist-info"))]
    monkeypatch.setattr(sys, "path", hidden)
    want = read_card(model_copy)["versions"]["scikit-learn"]
    assert refused(model_copy) == (
        f"{model_copy / 'model.pkl'}: written by scikit-learn {want}, but scikit-learn is not installed; "
        f"install scikit-learn=={want} or retrain"
    )


def test_without_scikit_learn_a_card_with_an_empty_version_is_refused_too(model_copy, monkeypatch):
    """No scikit-learn is never a match, not even for a card whose version is empty."""
    hidden = [p for p in sys.path if not list(Path(p or ".").glob("scikit_learn-*.dist-info"))]
    monkeypatch.setattr(sys, "path", hidden)
    edit_card(model_copy, lambda card: card["versions"].update({"scikit-learn": ""}))
    assert "but scikit-learn is not installed; install scikit-learn== or retrain" in refused(model_copy)


def test_a_pickle_that_is_not_a_fitted_model_is_refused(model_copy):
    """A pickle the card vouches for, but which holds no fitted model: refused before anything predicts."""
    replace_artifact(model_copy, "model.pkl", pickle.dumps({"not": "a model"}))
    path = model_copy / "model.pkl"
    assert refused(model_copy, "sklearn") == f"{path}: model expects ? features, the card lists 13"


@pytest.mark.parametrize("engine, name", [("sklearn", "model.pkl"), ("onnx", "model.onnx")])
def test_a_card_listing_fewer_features_than_the_model_is_refused_at_load(model_copy, engine, name):
    """Refused when the model is loaded, by either engine: never a failure on the first request."""
    edit_card(model_copy, lambda card: card.update(features=card["features"][:-1]))
    path = model_copy / name
    assert refused(model_copy, engine) == f"{path}: model expects 13 features, the card lists 12"


def test_an_onnx_file_onnxruntime_cannot_load_is_refused_with_its_first_line(model_copy):
    """The message quotes the first line of onnxruntime's own reason."""
    replace_artifact(model_copy, "model.onnx", b"not a model\n" * 100)
    path = model_copy / "model.onnx"
    with pytest.raises(Exception) as ort_error:
        onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    reason = str(ort_error.value).splitlines()[0]
    assert reason
    assert refused(model_copy) == f"{path}: onnxruntime cannot load it ({reason})"

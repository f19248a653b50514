"""Part 2, lesson 6's explanations (boston_app/explain.py): exactly shap.TreeExplainer's values, adding up to the price;
the forest read from its pickle without scikit-learn, and any other name in the pickle refused; the what-if curve is
the model's own predictions; the SVGs are accessible XML without inline style. On real gunicorn, the explainer built
in the master before the fork, memory and /health during a first explanation: tests/test_memory.py.
"""

import importlib.metadata
import io
import pickle
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boston_app.explain import Explainer, ForestUnpickler, bars_svg, curve_svg, load_forest, what_if
from boston_app.interval import bounds, intervals, price_interval
from boston_app.model import ModelError
from boston_app.speed import load_model  # the served app's loader
from conftest import MODEL_DIR, ROOT

LECTURE_HOUSE = {"CRIM": 0.0006, "RM": 6.5, "AGE": 65, "DIS": 5}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def model():
    return load_model(MODEL_DIR)


@pytest.fixture(scope="module")
def explainer(model):
    return Explainer(model)


@pytest.fixture(scope="module")
def rows(model):
    """200 random rows inside the training range of every feature (a feature with choices takes one of them)."""
    rng = np.random.default_rng(12)
    columns = []
    for f in model.card["features"]:
        if f.get("choices"):
            columns.append(rng.choice([c if not isinstance(c, dict) else c["value"] for c in f["choices"]], 200))
        else:
            columns.append(rng.uniform(f["train_min"], f["train_max"], 200))
    return np.column_stack(columns).astype(np.float64)


def test_contributions_are_shaps_own_within_1e_4(model, explainer, rows, report):
    import shap

    forest = pickle.loads((MODEL_DIR / "model.pkl").read_bytes())
    reference = shap.TreeExplainer(forest)
    want = reference.shap_values(rows)
    got = np.array([explainer.explain(row)[1] for row in rows])
    base = explainer.explain(rows[0])[0]
    difference = float(np.abs(got - want).max())
    installed = importlib.metadata.version("shap")
    report(f"agreement with shap {installed} on {len(rows)} random rows: max abs difference {difference:.2e}")
    # The explainer builds shap's arrays itself and calls its compiled core: a shap release that changes either shows
    # here first, so the message names the installed version to compare with requirements.txt's pin.
    disagree = f"with shap {installed} installed, the explanations differ from shap.TreeExplainer's"
    assert difference <= 1e-4, f"{disagree}: contributions by up to {difference:.2e}"
    base_difference = abs(base - float(np.ravel(reference.expected_value)[0]))
    assert base_difference <= 1e-4, f"{disagree}: base value by {base_difference:.2e}"


def test_base_plus_contributions_is_the_served_prediction(model, explainer, rows, report):
    served = model.predict(rows)
    added = np.array([sum(c, b) for b, c in (explainer.explain(row) for row in rows)])
    difference = float(np.abs(added - served).max())
    report(f"base + contributions vs the ONNX prediction on {len(rows)} rows: max abs difference {difference:.2e}")
    assert difference <= 1e-4


def test_explain_takes_one_row_in_card_order_and_gives_13_floats(model, explainer):
    house = [f["median"] for f in model.card["features"]]
    for name, value in LECTURE_HOUSE.items():
        house[model.features.index(name)] = value
    base, contributions = explainer.explain(house)
    assert isinstance(base, float) and len(contributions) == len(model.features) == 13
    assert all(isinstance(c, float) for c in contributions)
    assert abs(base + sum(contributions) - float(model.predict(np.array([house]))[0])) <= 1e-4


def test_the_app_builds_the_explainer_with_shaps_core_alone():
    """Importing the module loads nothing of shap; building the explainer (create_app does) loads only shap's compiled
    TreeSHAP, not the shap package (which would import numba, matplotlib and pandas into every worker), and reads the
    forest without scikit-learn (and with it scipy)."""
    code = (
        "import sys, boston_app.app\n"
        "print(any(m.startswith(('shap', 'sklearn')) for m in sys.modules))\n"
        "app = boston_app.app.create_app()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('shap', 'numba', 'matplotlib', 'sklearn', 'scipy'))))\n"
        "app.extensions['boston_app'].explainer.explain([1.0] * 13)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('shap', 'numba', 'matplotlib', 'sklearn', 'scipy'))))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert r.stdout.splitlines() == ["False", "['shap._cext']", "['shap._cext']"]


def test_the_forest_is_the_pickles_own(model):
    """The trees read with numpy alone are the unpickled forest's, node for node."""
    forest = pickle.loads((MODEL_DIR / "model.pkl").read_bytes())
    trees = load_forest(model)
    assert len(trees) == len(forest.estimators_) == 100
    for tree, estimator in zip(trees, forest.estimators_):
        want = estimator.tree_
        assert np.array_equal(tree.nodes["left_child"], want.children_left)
        assert np.array_equal(tree.nodes["threshold"], want.threshold)
        assert np.array_equal(tree.values, want.value)


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "sklearn.svm.SVR", "numpy.load"])
def test_a_pickle_naming_anything_else_is_refused_in_one_line(model, tmp_path, name):
    """A model.pkl that names anything but the forest's classes and numpy's arrays stops the reader before it is
    called, with a ModelError naming it (create_app then exits with that one line)."""
    module, attr = name.rsplit(".", 1)
    data = b"\x80\x04c" + f"{module}\n{attr}\n".encode() + b")R."  # protocol 4: GLOBAL, empty tuple, REDUCE
    with pytest.raises(ModelError, match=f"model.pkl names {re.escape(name)}, which the explainer does not read"):
        ForestUnpickler(io.BytesIO(data)).load()


def test_price_interval_is_the_prediction_plus_minus_the_cards_half_width(model):
    """Lesson 5's range (boston_app/interval.py), which every answer carries beside the explanation."""
    half_width = model.card["interval"]["half_width"]
    got = price_interval(21.7224, model.card)
    assert got == {
        "low": round(21.7224 - half_width, 6),
        "high": round(21.7224 + half_width, 6),
        "level": 0.9,
        "low_usd": round((21.7224 - half_width) * 1000),
        "high_usd": round((21.7224 + half_width) * 1000),
    }


@pytest.mark.parametrize("feature", ["RM", "CRIM", "CHAS", "LSTAT"])
def test_what_if_is_the_models_prediction_of_each_swept_row(model, feature):
    house = [f["median"] for f in model.card["features"]]
    i = model.features.index(feature)
    xs, ys = what_if(model, house, i)
    card = model.card["features"][i]
    assert len(xs) == len(ys) == 41
    assert xs[0] == card["train_min"] and xs[-1] == pytest.approx(card["train_max"])
    for x, y in zip(xs, ys):
        row = list(house)
        row[i] = x
        assert y == pytest.approx(float(model.predict(np.array([row]))[0]), abs=1e-6)


def check_svg(text, name):
    """`text` parses as XML, is an accessible image (role, title, desc, aria-labelledby) and has no style."""
    root = ET.fromstring(text)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.get("id").startswith(name)
    assert "style=" not in text and "<script" not in text and "<style" not in text
    for element in root.iter():
        assert "style" not in element.attrib and not any(a.startswith("on") for a in element.attrib)
    return root, desc.text


def test_bars_svg_states_the_top_contributions_in_dollars(model, explainer):
    house = [f["median"] for f in model.card["features"]]
    _, contributions = explainer.explain(house)
    svg = bars_svg(model.features, contributions, top=6)
    root, desc = check_svg(svg, "bars")
    assert len(root.findall(SVG + "rect")) == 6
    top = sorted(range(13), key=lambda i: -abs(contributions[i]))[:6]
    for i in top:
        assert model.features[i] in desc
    assert re.search(r"[+-]\$\d", desc)


def test_curve_svg_states_the_range_and_the_entered_value(model):
    house = [f["median"] for f in model.card["features"]]
    xs, ys = what_if(model, house, model.features.index("RM"))
    svg = curve_svg("RM", xs, ys, 6.5, 21.722)
    root, desc = check_svg(svg, "curve")
    assert root.find(SVG + "polyline") is not None and root.find(SVG + "circle") is not None
    assert "RM" in desc and "$21,722" in desc


def test_svg_text_is_escaped():
    hostile = '<script>alert("x")</script>&'
    for svg in (bars_svg([hostile, "RM"], [1.0, -0.5]), curve_svg(hostile, [0.0, 1.0], [20.0, 21.0], 0.5, 20.5)):
        root, _ = check_svg(svg, svg[svg.index('aria-labelledby="') + 17 :].split("-")[0])
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        assert any(hostile in (e.text or "") for e in root.iter())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(-(10**8), 10**8), min_size=1, max_size=50),
    st.integers(0, 20 * 10**6),
)
def test_a_batchs_ranges_are_each_predictions_bounds(micro_predictions, micro_half_width):
    """`intervals` computes a batch's ranges in numpy; each pair is exactly what `bounds` (Python's round) gives the
    same prediction: predictions and the half-width carry 6 decimals (the batch rounds them, the card stores them)."""
    predictions = [round(m / 1e6, 6) for m in micro_predictions]
    half_width = round(micro_half_width / 1e6, 6)
    card = {"interval": {"half_width": half_width, "level": 0.9}}
    assert intervals(card, predictions) == [list(bounds(p, half_width)) for p in predictions]

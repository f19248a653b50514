"""The notebooks as tests: papermill runs each one headless, in order, as a learner would; training also runs with
another parameter set; and training again with the defaults reproduces the committed model byte for byte.
(nbval, configured in pytest.ini, separately checks every stored output against what the code prints today.)

With BOSTON_EXECUTED_NOTEBOOKS set to a folder (outside the working tree: `make test` fails if the tree changes),
every notebook papermill executes here is also copied there, failed runs included, so that the outputs of each run
can be read afterwards; the CI workflow uploads that folder. Unset (the default), nothing is kept."""

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import papermill as pm
import pytest

from boston_app.app import create_app
from boston_app.model import load_model

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / "nbs"
NOTEBOOKS = [NBS / "index.ipynb"] + sorted(NBS.glob("[0-9][0-9]_*.ipynb"))


def keep(executed):
    """Copy the executed notebook `executed` to the folder BOSTON_EXECUTED_NOTEBOOKS names, if it is set."""
    folder = os.environ.get("BOSTON_EXECUTED_NOTEBOOKS")
    if folder and executed.exists():
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, Path(folder) / executed.name)


def run(nb, out, **parameters):
    try:
        return pm.execute_notebook(
            str(nb),
            str(out),
            parameters=parameters,
            cwd=str(NBS),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
        )
    finally:  # papermill writes the notebook, with the failing cell's error, before it raises
        keep(Path(out))


@pytest.mark.slow
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_runs_top_to_bottom_with_default_parameters(nb, tmp_path):
    # The training notebook writes its model files to a temporary folder, never over the committed ones.
    parameters = {"output_dir": str(tmp_path / "model")} if nb.name == "01_train.ipynb" else {}
    executed = run(nb, tmp_path / nb.name, **parameters)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


def test_training_notebook_has_a_papermill_parameters_cell():
    nb = json.loads((NBS / "01_train.ipynb").read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    for name in ["features", "n_estimators", "random_state", "test_size", "output_dir"]:
        assert f"{name} =" in "".join(tagged[0]["source"])


@pytest.mark.slow
def test_training_with_the_lectures_four_features_gives_a_model_the_service_serves(tmp_path):
    out = tmp_path / "model4"
    run(
        NBS / "01_train.ipynb",
        tmp_path / "01_train_four_features.ipynb",
        features=["CRIM", "RM", "AGE", "DIS"],
        n_estimators=10,
        output_dir=str(out),
    )
    card = json.loads((out / "model.json").read_text())
    assert [f["name"] for f in card["features"]] == ["CRIM", "RM", "AGE", "DIS"]
    assert card["params"]["n_estimators"] == 10
    for engine in ("sklearn", "onnx"):
        p = load_model(out, engine).predict(np.array([[0.0006, 6.5, 65, 5]]))
        assert p.shape == (1,) and 5 < p[0] < 50
    client = create_app({"MODEL_DIR": out}).test_client()
    r = client.get("/predict?CRIM=0.0006&RM=6.5&AGE=65&DIS=5")
    assert r.status_code == 200 and r.json["filled"] == []
    assert client.get("/predict?CRIM=0.0006&LSTAT=5").status_code == 400  # not a feature of this model


@pytest.mark.slow
def test_training_again_reproduces_the_committed_model_byte_for_byte(tmp_path):
    """A fresh retrain, in a temporary folder, against the committed files, which no test writes. The model files
    match byte for byte; the card matches in everything but the Python that trained it (it records the minor
    version, and the suite runs on every Python a learner has)."""
    run(NBS / "01_train.ipynb", tmp_path / "01_train_reproduce.ipynb", output_dir=str(tmp_path / "model"))
    for name in ["model.pkl", "model.onnx"]:
        assert (tmp_path / "model" / name).read_bytes() == (ROOT / "model" / name).read_bytes(), name
    fresh_text = (tmp_path / "model" / "model.json").read_text()
    committed_text = (ROOT / "model" / "model.json").read_text()
    fresh, committed = json.loads(fresh_text), json.loads(committed_text)
    here = "{}.{}".format(*sys.version_info[:2])
    assert fresh["versions"]["python"] == here
    if committed["versions"]["python"] == here:  # the Python that wrote the committed card: every byte
        assert fresh_text == committed_text
    fresh["versions"].pop("python")
    committed["versions"].pop("python")
    assert fresh == committed

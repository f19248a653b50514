"""The notebooks as tests, each executed once a run. nbval (pytest.ini) runs every notebook top to bottom in the
kernel a learner uses and compares each stored output with what the code prints today: that run is the one that
counts, and it fails on any error. This file adds what nbval cannot see:

- training with another parameter set (the lecture's four features): papermill runs lecture_2_train again, because other
  parameters are the point of that test;
- training with the defaults reproduces the committed model byte for byte: nbval's own run of lecture_2_train wrote its
  model to BOSTON_TRAIN_OUTPUT (conftest.py), and the test compares those files, so the notebook is not trained twice;
- every stored output keeps its execution count, which nbval needs and nbdev_clean (and nbdev_prepare, which runs it)
  strips: in the environment `make setup` makes, both refuse with one line saying what to run instead.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import papermill as pm
import pytest
from nbdev.clean import clean_nb

from boston_app.app import create_app
from boston_app.speed import load_model  # both engines
from conftest import BIN, ROOT, refuse_in_fast_loop

NBS = ROOT / "nbs"
MODEL_FILES = ["model.pkl", "model.onnx", "model.json"]


def run(nb, out, **parameters):
    """papermill: execute notebook `nb` into `out` with `parameters`, as `make retrain` and `make gate` do."""
    refuse_in_fast_loop(f"the notebook {nb.name}")
    return pm.execute_notebook(
        str(nb), str(out), parameters=parameters, cwd=str(NBS), kernel_name="python3", progress_bar=False
    )


def test_training_notebook_has_a_papermill_parameters_cell():
    nb = json.loads((NBS / "lecture_2_train.ipynb").read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    for name in ["features", "n_estimators", "random_state", "test_size", "output_dir"]:
        assert f"{name} =" in "".join(tagged[0]["source"])


def outputs_without_a_count(nb):
    """The code cells of notebook `nb` that store outputs without an execution count: nbval fails each ("Unrun
    reference cell has outputs")."""
    return [c for c in nb["cells"] if c["cell_type"] == "code" and c.get("outputs") and c["execution_count"] is None]


def test_every_stored_output_keeps_its_execution_count():
    notebooks = sorted(NBS.glob("*.ipynb"))
    assert len(notebooks) > 10
    for path in notebooks:
        nb = json.loads(path.read_text())
        assert not outputs_without_a_count(nb), f"{path.name} lost execution counts (nbdev_clean?): run make notebooks"
        # what nbdev_clean would do to it (settings.ini's own settings): this test would catch it
        if any(c["cell_type"] == "code" and c.get("outputs") for c in nb["cells"]):
            clean_nb(nb, allowed_cell_metadata_keys=["tags"])
            assert outputs_without_a_count(nb), f"nbdev_clean keeps the counts of {path.name}: update this test"


@pytest.mark.parametrize(("command", "instead"), [("nbdev_prepare", "make check"), ("nbdev_clean", "make notebooks")])
def test_nbdev_prepare_and_nbdev_clean_refuse_with_one_line(command, instead):
    if not (BIN.parent / ".installed").exists():
        pytest.skip("not an environment `make setup` made (Heroku CI's pip install -e): nbdev's commands are its own")
    script = (BIN / command).read_text()
    assert script.startswith("#!/bin/sh\n") and len(script) < 500, f"{BIN / command} is nbdev's own: run make setup"
    before = {path: path.read_bytes() for path in NBS.glob("*.ipynb")}
    run = subprocess.run([str(BIN / command)], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert run.returncode == 1 and run.stdout == ""
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"{command} strips the execution counts") and instead in line, line
    assert {path: path.read_bytes() for path in NBS.glob("*.ipynb")} == before


@pytest.mark.slow
def test_training_with_the_lectures_four_features_gives_a_model_the_service_serves(tmp_path):
    out = tmp_path / "model4"
    run(
        NBS / "lecture_2_train.ipynb",
        tmp_path / "lecture_2_train_four_features.ipynb",
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


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """The folder lecture_2_train wrote with its default parameters in this run: nbval's run of the notebook wrote it to
    BOSTON_TRAIN_OUTPUT (this test is ordered after the notebooks). When nbval did not run the notebook (this file
    run on its own), papermill trains once here, into a temporary folder."""
    folder = Path(os.environ["BOSTON_TRAIN_OUTPUT"])
    if not all((folder / name).exists() for name in MODEL_FILES):
        folder = tmp_path_factory.mktemp("trained") / "model"
        run(NBS / "lecture_2_train.ipynb", folder.parent / "lecture_2_train.ipynb", output_dir=str(folder))
    return folder


@pytest.mark.slow
@pytest.mark.after_notebooks
def test_training_again_reproduces_the_committed_model_byte_for_byte(trained):
    """A fresh retrain, in a temporary folder, against the committed files, which no test writes. The model files
    match byte for byte; the card matches in everything but the Python that trained it (it records the minor
    version, and the suite runs on every Python a learner has)."""
    for name in ["model.pkl", "model.onnx"]:
        assert (trained / name).read_bytes() == (ROOT / "model" / name).read_bytes(), name
    fresh_text = (trained / "model.json").read_text()
    committed_text = (ROOT / "model" / "model.json").read_text()
    fresh, committed = json.loads(fresh_text), json.loads(committed_text)
    here = "{}.{}".format(*sys.version_info[:2])
    assert fresh["versions"]["python"] == here
    if committed["versions"]["python"] == here:  # the Python that wrote the committed card: every byte
        assert fresh_text == committed_text
    fresh["versions"].pop("python")
    committed["versions"].pop("python")
    assert fresh == committed

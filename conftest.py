"""pytest's root configuration, loaded before any test or notebook runs.

The training notebook (nbs/lecture_2_train.ipynb) writes its model files to BOSTON_TRAIN_OUTPUT when it is set, and to
the committed model/ folder otherwise. Tests never write into the working tree, so every run of it under pytest (nbval's
included, whose kernels inherit this environment) writes to a temporary folder instead; tests/test_notebooks.py then
compares what nbval's run wrote with the committed model, so the notebook is trained once per run, not twice.

`make check`, the fast loop, runs `pytest -m "not slow" tests`. A test is slow when it starts a real process (gunicorn,
flask run, a browser, a virtual environment, a notebook): it says so with `@pytest.mark.slow`, or it uses a fixture
that starts one, and then the hook below marks it. Under `make check` (BOSTON_NO_SERVERS=1), starting gunicorn or a
notebook fails the test with a line that says to mark it slow (tests/conftest.py, `refuse_in_fast_loop`), so the fast
loop cannot grow slow unnoticed.
"""

import atexit
import os
import shutil
import tempfile

import pytest

if "BOSTON_TRAIN_OUTPUT" not in os.environ:
    os.environ["BOSTON_TRAIN_OUTPUT"] = tempfile.mkdtemp(prefix="boston-train-")
    atexit.register(shutil.rmtree, os.environ["BOSTON_TRAIN_OUTPUT"], ignore_errors=True)

# Fixtures that start a real process: every test that uses one, directly or through another fixture, is slow.
PROCESS_FIXTURES = {"live_server", "browser", "dyno", "shipped"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        # nbval's items execute a notebook; the contract's `http` fixture reaches the live server for "gunicorn".
        if item.path.suffix == ".ipynb" or uses & PROCESS_FIXTURES or params.get("http") == "gunicorn":
            item.add_marker(pytest.mark.slow)
    # Tests that read what nbval's run of a notebook wrote go after the notebooks (they run it themselves otherwise).
    items.sort(key=lambda item: item.get_closest_marker("after_notebooks") is not None)

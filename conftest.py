"""pytest's root configuration, loaded before any test or notebook runs.

The training notebook (nbs/01_train.ipynb) writes its model files to BOSTON_TRAIN_OUTPUT when it is set, and to the
committed model/ folder otherwise. Tests never write into the working tree, so every run of it under pytest (nbval's
included, whose kernels inherit this environment) writes to a temporary folder instead.
"""

import atexit
import os
import shutil
import tempfile

if "BOSTON_TRAIN_OUTPUT" not in os.environ:
    os.environ["BOSTON_TRAIN_OUTPUT"] = tempfile.mkdtemp(prefix="boston-train-")
    atexit.register(shutil.rmtree, os.environ["BOSTON_TRAIN_OUTPUT"], ignore_errors=True)

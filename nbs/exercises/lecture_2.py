"""Self-checks for the exercises of lecture_2_train."""

import json
import pickle
from pathlib import Path

import numpy as np

from boston_app.model import verify_file

from . import unanswered, verdict

MODEL_DIR = Path(__file__).resolve().parents[2] / "model"
LECTURE_FOUR = ["CRIM", "RM", "AGE", "DIS"]


def is_number(answer):
    """True for an int or float answer (not a bool, which Python counts as an int)."""
    return isinstance(answer, int | float) and not isinstance(answer, bool)


def committed_forest():
    """The committed forest, unpickled only after its SHA-256 matched the card."""
    card = json.loads((MODEL_DIR / "model.json").read_text())
    path = verify_file(MODEL_DIR, card, "model.pkl")
    with open(path, "rb") as f:
        return pickle.load(f)


def check_1(answer):
    """Exercise 1: the share of the forest's importance the lecture's four features hold (0-1)."""
    if answer is None:
        return unanswered(1, "answer_1")
    if not (is_number(answer) or isinstance(answer, np.floating)):
        return verdict(1, f"expected a number between 0 and 1, got {answer!r}")
    names = [f["name"] for f in json.loads((MODEL_DIR / "model.json").read_text())["features"]]
    shares = committed_forest().feature_importances_
    share = float(sum(shares[names.index(name)] for name in LECTURE_FOUR))
    if 1 < answer <= 100 and abs(answer / 100 - share) < 0.001:
        return verdict(1, f"{answer} is a percentage; give the share as a number between 0 and 1")
    if not 0 <= answer <= 1:
        return verdict(1, f"{answer} is not between 0 and 1")
    if abs(answer - share) >= 0.001:
        return verdict(
            1,
            f"{answer} is not it; add CRIM's, RM's, AGE's and DIS's rf.feature_importances_",
        )
    return verdict(1)

"""Self-checks for the exercises of lecture_2_train."""

import json
import pickle
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from boston_app.data import load_boston
from boston_app.model import verify_file
from boston_app.train import evaluate, select_features, train_forest

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


def four_feature_r2():
    """Held-out R² of 20 trees on the lecture's four features, split and seeded as in the lesson."""
    X_all, y = load_boston()
    X4, _ = select_features(X_all, LECTURE_FOUR)
    X_train, X_test, y_train, y_test = train_test_split(X4, y, test_size=0.2, random_state=42)
    forest = train_forest(X_train, y_train, n_estimators=20, random_state=42)
    return evaluate(forest, X_test, y_test)["r2"]


def check_2(answer):
    """Exercise 2: the held-out R² of a 20-tree forest on the lecture's four features."""
    if answer is None:
        return unanswered(2, "answer_2")
    if not is_number(answer):
        return verdict(2, f"expected a number (an R²), got {answer!r}")
    if abs(answer - 0.893) < 0.001:
        return verdict(2, "0.893 is the 13-feature forest's R²; train on the four features only")
    if abs(answer - four_feature_r2()) > 0.001:
        recipe = "test_size=0.2, random_state=42 and 20 trees"
        return verdict(2, f"R² {answer:.3f} is not it; use {recipe}")
    return verdict(2)

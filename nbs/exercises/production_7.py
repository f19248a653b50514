"""Self-checks for the exercises of production_7_retrain_gate."""

import shutil
import tempfile
from pathlib import Path

from boston_app.gate import GateRefused, gate, held_out_split, train_candidate
from boston_app.model import read_card
from boston_app.train import evaluate

from . import model_copy, unanswered, verdict

MODEL_DIR = Path(__file__).resolve().parents[2] / "model"


def is_number(answer):
    """True for an int or float answer (not a bool, which Python counts as an int)."""
    return isinstance(answer, int | float) and not isinstance(answer, bool)


def two_tree_rise():
    """How much the two-tree forest raises RMSE over the committed card's, as a fraction."""
    card = read_card(MODEL_DIR)
    (X_train, X_test, y_train, y_test), feats = held_out_split(card)
    forest, _, _ = train_candidate("two_trees", X_train, y_train, feats)
    return evaluate(forest, X_test, y_test)["rmse"] / card["metrics"]["rmse"] - 1


def check_1(answer):
    """Exercise 1: the smallest max_rmse_rise that lets the two-tree forest through."""
    if answer is None:
        return unanswered(1, "answer_1")
    if not is_number(answer):
        return verdict(1, f"expected a number (a fraction such as 0.02), got {answer!r}")
    rise = two_tree_rise()
    if abs(answer - 100 * rise) < 0.1:
        return verdict(
            1, f"{answer} is a percentage; give it as a fraction ({answer} % = {answer / 100})"
        )
    if abs(answer - 0.02) < 1e-9:
        return verdict(
            1, "0.02 is today's tolerance, which refused it; how much higher is its RMSE?"
        )
    if abs(answer - rise) > 0.001:
        return verdict(
            1, f"{answer:.3f} is not it; divide the two-tree RMSE by the committed one, minus 1"
        )
    return verdict(1)


def noisy_prices_refusal():
    """The message of the gate's refusal of `noisy_prices`, run on a temporary copy of the model."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "model"
        shutil.copytree(MODEL_DIR, copy)
        try:
            gate(copy, "noisy_prices")
        except GateRefused as e:
            return str(e)
    raise AssertionError("the gate promoted noisy_prices")


def check_2(answer):
    """Exercise 2: the one-line message of the gate's refusal of `noisy_prices`."""
    if answer is None:
        return unanswered(2, "answer_2")
    if isinstance(answer, GateRefused):
        return verdict(2, "that is the exception itself; set `answer_2 = str(e)`")
    if not isinstance(answer, str):
        return verdict(2, f"expected the message as a string, got {type(answer).__name__}")
    if not answer.startswith("refused noisy_prices"):
        return verdict(
            2, "expected the refusal of `noisy_prices`, which starts 'refused noisy_prices'"
        )
    if answer != noisy_prices_refusal():
        return verdict(
            2, "not the message the gate gives; use the default tolerances on a fresh copy"
        )
    return verdict(2)


def check_3(answer):
    """Exercise 3: a copy of the model promoted twice: version 3, promoted from version 2."""
    if answer is None:
        return unanswered(3, "answer_3")
    model, problem = model_copy(3, answer, MODEL_DIR, "gate a copy_model(model_dir) copy")
    if problem:
        return problem
    version = model.card.get("version", 1)
    if version != 3:
        return verdict(3, f"its card is version {version}; promote twice from version 1 to reach 3")
    if model.card["promoted_from"]["version"] != 2:
        return verdict(3, "version 3 should be promoted from version 2")
    return verdict(3)

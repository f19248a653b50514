"""Self-checks for the exercises of lecture_3_model_file."""

import shutil
import tempfile
from pathlib import Path

from boston_app.model import ModelError, load_model

from . import unanswered, verdict

MODEL_DIR = Path(__file__).resolve().parents[2] / "model"
LECTURE_HOUSE = {"CRIM": 0.0006, "RM": 6.5, "AGE": 65, "DIS": 5}


def flip_a_byte(folder):
    """Change one byte in the middle of the copy's ONNX file."""
    path = folder / "model.onnx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(data)


def broken_copies(tmp):
    """(what is broken, folder) pairs: copies of the committed model, each damaged one way."""
    changed = tmp / "changed"
    shutil.copytree(MODEL_DIR, changed)
    flip_a_byte(changed)
    no_card = tmp / "no-card"
    shutil.copytree(MODEL_DIR, no_card)
    (no_card / "model.json").unlink()
    return [("a changed model.onnx", changed), ("a missing model.json", no_card)]


def check_1(is_trusted):
    """Exercise 1: `is_trusted` is True for the committed model, False for broken copies."""
    if is_trusted(MODEL_DIR) is None:
        return unanswered(1, "is_trusted")
    if is_trusted(MODEL_DIR) is not True:
        return verdict(1, "the committed model should be trusted (True)")
    tmp = Path(tempfile.mkdtemp())
    try:
        for what, folder in broken_copies(tmp):
            try:
                trusted = is_trusted(folder)
            except ModelError:
                return verdict(1, f"is_trusted let a ModelError out for {what}: catch it")
            if trusted is not False:
                return verdict(1, f"a folder with {what} gave {trusted!r}, expected False")
    finally:
        shutil.rmtree(tmp)
    return verdict(1)


def lecture_house_usd():
    """The served price, in dollars, of the lecture's house, its other features at their median."""
    model = load_model(MODEL_DIR)
    row = [f["median"] for f in model.card["features"]]
    for name, value in LECTURE_HOUSE.items():
        row[model.features.index(name)] = value
    return float(model.predict([row])[0]) * 1000


def check_2(answer):
    """Exercise 2: the lecture's house priced in dollars, its other features at their median."""
    if answer is None:
        return unanswered(2, "answer_2")
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return verdict(2, f"expected a number of dollars, got {answer!r}")
    price = lecture_house_usd()
    if abs(answer * 1000 - price) < 100:  # 21.72 or 21.7: MEDV in $1000s
        return verdict(2, f"{answer:g} is in $1000s (MEDV's unit); give the price in dollars")
    if abs(answer - price) >= 1:
        return verdict(2, f"${answer:,.0f} is not it; start from the medians, then set the four")
    return verdict(2)

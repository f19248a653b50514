"""Self-checks for the exercises of lecture_3_model_file."""

import shutil
import tempfile
from pathlib import Path

from boston_app.model import ModelError

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

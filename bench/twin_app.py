"""The benchmark's twin: the single-row endpoint as a user who picks FastAPI would write it.

FastAPI, a pydantic model of the 13 float features (the names from model/model.json), GET /predict with the features
as query parameters, the same model/model.onnx in onnxruntime (one intra-op and one inter-op thread,
CPUExecutionProvider), and the answer {"prediction": float}. No bounds, no echo of the inputs, no sentence. And POST
/predict with {"instances": [...]}, 1 to 1,000 objects of the 13 floats, answered {"predictions": [float, ...]} in
order: the batch of our JSON API, for the benchmark's batch and fairness runs.
bench/run.py serves it as such a user would run it: `uvicorn bench.twin_app:app --workers 2` (uvloop and httptools,
from uvicorn[standard]; access log on), from its own virtual environment (bench/requirements-twin.txt).
"""

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field, create_model

MODEL_DIR = Path(__file__).resolve().parent.parent / "model"
card = json.loads((MODEL_DIR / "model.json").read_text())
names = [feature["name"] for feature in card["features"]]
fields = {name: (float, ...) for name in names}
Features = create_model("Features", **fields)

options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
session = ort.InferenceSession(str(MODEL_DIR / "model.onnx"), options, providers=["CPUExecutionProvider"])
input_name = session.get_inputs()[0].name
output_name = session.get_outputs()[0].name


class Prediction(BaseModel):
    prediction: float


class Batch(BaseModel):
    instances: Annotated[list[Features], Field(min_length=1, max_length=1000)]


class Predictions(BaseModel):
    predictions: list[float]


app = FastAPI(title="boston_app twin")


@app.get("/predict")
async def predict(features: Annotated[Features, Query()]) -> Prediction:
    row = [getattr(features, name) for name in names]
    x = np.array([row], dtype=np.float32)
    y = session.run([output_name], {input_name: x})[0]
    return Prediction(prediction=float(y[0, 0]))


@app.post("/predict")
async def predict_batch(batch: Batch) -> Predictions:
    rows = [[getattr(features, name) for name in names] for features in batch.instances]
    y = session.run([output_name], {input_name: np.array(rows, dtype=np.float32)})[0]
    return Predictions(predictions=y[:, 0].round(6).tolist())

"""The benchmark's ceiling: a bare Flask endpoint that answers GET /predict with a constant and does nothing else.

bench/run.py serves it exactly as it serves the real app (`gunicorn bench.bare_app:app`, the repository's
gunicorn.conf.py, the same worker count), so both pay the same web server, framework and access log.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/predict")
def predict():
    return "22.5"

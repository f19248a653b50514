"""What observe_all saves (issue 19, point 5): a batch's prices counted into the price histogram with one write per
bucket (observe_all, which writes prometheus_client's private attributes) or with one public `observe` per price,
in multiprocess mode as gunicorn runs it and in one process; and, for scale, a 1,000-row POST /predict through real
gunicorn. Run from the repository root: `.venv/bin/python tools/observe_cost.py` (about 20 s)."""

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 1000


def observe_costs(multiprocess):
    """Best-of-5 microseconds to count ROWS prices each way, in a fresh interpreter (the mode is chosen on import)."""
    code = f"""
import os, tempfile, timeit
if {multiprocess}:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp()
import numpy as np
from prometheus_client import CollectorRegistry, Histogram
from boston_app.metrics import PRICE_BUCKETS, observe_all
h = Histogram("h", "h", buckets=PRICE_BUCKETS, registry=CollectorRegistry())
prices = np.random.default_rng(0).uniform(5, 50, {ROWS})
def each():
    for x in prices.tolist():
        h.observe(x)
for fn in (lambda: observe_all(h, prices), each):
    print(min(timeit.repeat(fn, number=100, repeat=5)) / 100 * 1e6)
"""

    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [float(x) for x in out.split()]


def post_ms():
    """Median milliseconds of a ROWS-row POST /predict on one keep-alive connection to real gunicorn (2 workers)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from boston_app.data import load_boston
    from conftest import start_server, stop_server

    X, _ = load_boston()
    names = json.loads((ROOT / "model" / "model.json").read_text())["features"]
    names = [f["name"] for f in names]
    body = json.dumps({"instances": [dict(zip(names, map(float, X[i % len(X)]))) for i in range(ROWS)]}).encode()
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = start_server(env={"TMPDIR": tempfile.gettempdir()})
    try:
        host, port = server.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        times = []
        for _ in range(60):
            started = timeit.default_timer()
            conn.request("POST", "/predict", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            assert r.status == 200, r.status
            times.append(timeit.default_timer() - started)
    finally:
        stop_server(server)
    return statistics.median(times[10:]) * 1000


if __name__ == "__main__":
    costs = {
        mode: observe_costs(multiprocess) for mode, multiprocess in (("multiprocess", True), ("one process", False))
    }
    for mode, (bulk, each) in costs.items():
        print(f"{mode}: observe_all {bulk:.0f} us, one observe per price {each:.0f} us, for {ROWS:,} prices")
    ms = post_ms()
    bulk, each = costs["multiprocess"]  # as gunicorn counts
    print(
        f"a {ROWS:,}-row POST /predict: median {ms:.1f} ms; observe_all is {bulk / 10 / ms:.2f}% of it, "
        f"one observe per price would be {each / 10 / ms:.1f}%"
    )

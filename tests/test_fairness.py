"""Fair to every client (issue 20), against real gunicorn: while 1,000-row batches run on several connections, a
single-row request on the same worker is answered in milliseconds, not after the batches ahead of it.

One worker (WEB_CONCURRENCY=1), so that the batches and the single rows surely share it: with two, the connections
could all land on one worker and the other answer the single rows alone. A process of its own (POSTER, so that its
work never delays this process's timing) posts a batch of 1,000 rows on each of BATCH_CONNECTIONS kept-alive
connections, again and again; meanwhile this process sends SINGLE_ROWS single-row requests over one kept-alive
connection, one after another, and times each.

The bound: the median single-row latency at most MEDIAN_MS and the 90th percentile at most P90_MS. With the batch's
work on a thread of its own (FairGeventWorker's `run_heavy`), measured here on 2 cores that other work was also
using: median 3 to 6 ms, 90th percentile 10 to 15 ms; the bounds leave a margin of 3 times the worst of those, for a
busier machine. With the batch's work on the event loop (before issue 20) each single row waits behind the batches
ahead of it: median 63 to 70 ms, 90th percentile 72 to 107 ms, and the test fails.
"""

import json
import statistics
import subprocess
import sys
import time

import pytest
import requests

from conftest import start_server, stop_server

pytestmark = pytest.mark.slow

BATCH_CONNECTIONS = 4
SINGLE_ROWS = 200
MEDIAN_MS = 20
P90_MS = 40
HOUSE = {"CRIM": 0.00632, "ZN": 18.0, "INDUS": 2.31, "CHAS": 0, "NOX": 0.538, "RM": 6.575, "AGE": 65.2}


# Posts `{"instances": [HOUSE] * 1000}` to http://127.0.0.1:PORT/predict on N connections until stdin closes; prints
# "running" once every connection has had an answer, and stops at the first answer that is not 200.
POSTER = """
import http.client, json, sys, threading
port, n, house = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
body = json.dumps({"instances": [house] * 1000}).encode()
answered = threading.Barrier(n + 1)
def post():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    first = True
    while True:
        c.request("POST", "/predict", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            print("status", r.status, flush=True)
            sys.exit(1)
        if first:
            answered.wait()
            first = False
for _ in range(n):
    threading.Thread(target=post, daemon=True).start()
answered.wait()
print("running", flush=True)
sys.stdin.read()
"""


def batches_served(server):
    """How many batches the server has answered so far, from its access log."""
    return server.output().count('method=POST path="/predict" status=200')


def test_single_rows_are_not_stalled_by_batches(report):
    server = start_server(env={"WEB_CONCURRENCY": "1"})
    port = server.url.rsplit(":", 1)[1]
    args = [sys.executable, "-c", POSTER, port, str(BATCH_CONNECTIONS), json.dumps(HOUSE)]
    poster = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert poster.stdout.readline() == "running\n", "the batches did not run"
        before = batches_served(server)
        ms = []
        with requests.Session() as s:
            for _ in range(SINGLE_ROWS):
                start = time.perf_counter()
                r = s.get(server.url + "/predict", params=HOUSE, timeout=30)
                ms.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200
        batches = batches_served(server) - before
        assert poster.poll() is None, poster.stdout.read()  # the batches ran throughout, every one answered
    finally:
        poster.kill()
        poster.wait()
        stop_server(server)
    median, p90 = statistics.median(ms), statistics.quantiles(ms, n=10)[-1]
    report(
        f"single rows beside {BATCH_CONNECTIONS} connections of batches ({batches} batches meanwhile): "
        f"median {median:.1f} ms (bound {MEDIAN_MS}), 90th percentile {p90:.1f} ms (bound {P90_MS}), "
        f"max {max(ms):.1f} ms"
    )
    assert batches >= BATCH_CONNECTIONS, "the batches stopped while the single rows ran"
    assert median <= MEDIAN_MS and p90 <= P90_MS, (median, p90)

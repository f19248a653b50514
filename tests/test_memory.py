"""Issue 19 on real gunicorn (the repository's gunicorn.conf.py, as the Procfile serves it): the explainer is built in
the master before the fork (preload_app), so a worker's first /explain does not stop its other connections, and the
master and 2 workers fit the memory budget once each worker has answered a prediction, a batch and an explanation.

The figures (PSS per process, /health's wait) are printed in the output. `make bench` measures the same PSS after
30 s of mixed load as well (bench/run.py --pss-only).
"""

import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from boston_app.data import FEATURE_NAMES, load_boston
from conftest import children, host_port, pss_kib, read_response, start_server, stop_server

pytestmark = pytest.mark.slow

PSS_BUDGET = 250  # MiB: master + 2 workers (issue 19), half of a 512 MB dyno
HEALTH_BOUND = 0.1  # s: /health while a fresh worker answers its first /explain (issue 19)
X, _ = load_boston()
QUERY = "&".join(f"{n}={v:g}" for n, v in zip(FEATURE_NAMES, X[0]))
BATCH = json.dumps({"instances": [dict(zip(FEATURE_NAMES, map(float, X[i % len(X)]))) for i in range(1000)]})
# the access log with each line's worker pid, so the test knows which worker answered what
PID_LOG = ["--access-logformat", 'pid=%(p)s method=%(m)s path="%(U)s" status=%(s)s']
ASKED = {"GET /predict": "a prediction", "POST /predict": "a batch of 1,000 rows", "GET /explain": "an explanation"}


def maps(pid, part):
    """Whether process `pid` has a file whose path contains `part` mapped (an extension module it loaded)."""
    return part in Path(f"/proc/{pid}/maps").read_text()


def send(sock, path):
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())


def test_a_first_explanation_does_not_stop_the_worker(report):
    """One worker, freshly started: the explainer's arrays (and shap's compiled core) are already there, built in the
    master, before any /explain. While its first /explain runs, another client asks /health again and again, on one
    kept-alive connection: every answer comes within 100 ms. Before the explainer was built at app creation, the
    slowest waited 1.5 to 3.3 s here (the same test, run on main)."""
    server = start_server(env={"WEB_CONCURRENCY": "1"})
    try:
        (worker,) = children(server.proc.pid)
        assert maps(server.proc.pid, "/shap/_cext"), "the master has not built the explainer before forking"
        assert maps(worker, "/shap/_cext")
        explaining = socket.create_connection(host_port(server.url), timeout=10)
        other = socket.create_connection(host_port(server.url), timeout=10)
        with explaining, other:
            time.sleep(0.2)  # both connections accepted: each request below goes straight to the worker's loop
            explained = {}

            def explain():
                started = time.monotonic()
                send(explaining, f"/explain?{QUERY}")
                explained["status"] = read_response(explaining)[0]
                explained["seconds"] = time.monotonic() - started

            thread = threading.Thread(target=explain)
            thread.start()
            waits, statuses = [], set()
            while thread.is_alive() or not waits:  # /health, one after another, until /explain has answered
                started = time.monotonic()
                send(other, "/health")
                statuses.add(read_response(other)[0])
                waits.append(time.monotonic() - started)
            thread.join()
        assert server.errors() == []
    finally:
        stop_server(server)
    took = explained.get("seconds", float("nan")) * 1000
    report(
        f"/health during the worker's first /explain ({took:.0f} ms): {len(waits)} asked, "
        f"the slowest answered in {max(waits) * 1000:.0f} ms"
    )
    assert explained["status"] == "HTTP/1.1 200 OK" and statuses == {"HTTP/1.1 200 OK"}
    # The bound. Measured here: the slowest 5 to 21 ms (the whole first /explain 9 to 21 ms).
    assert max(waits) < HEALTH_BOUND


def answered(log, pid, request):
    method, path = request.split()
    return re.search(rf'pid=<?{pid}>? method={method} path="{re.escape(path)}" status=200', log) is not None


def test_master_and_two_workers_fit_the_budget(report):
    """Each of the 2 workers answers GET /predict, POST /predict with 1,000 rows and GET /explain (the access log
    says which worker answered what; each request on a new connection, so the workers take turns); then the PSS of
    the master and both workers adds up to at most 250 MiB. No process has scikit-learn (and scipy) loaded."""
    server = start_server(args=PID_LOG)
    try:
        workers = children(server.proc.pid)
        assert len(workers) == 2
        close = {"Connection": "close"}
        send = {
            "GET /predict": lambda: requests.get(f"{server.url}/predict?{QUERY}", headers=close, timeout=10),
            "POST /predict": lambda: requests.post(
                f"{server.url}/predict", data=BATCH, headers={**close, "Content-Type": "application/json"}, timeout=10
            ),
            "GET /explain": lambda: requests.get(f"{server.url}/explain?{QUERY}", headers=close, timeout=10),
        }
        for _ in range(100):
            log = server.output()
            missing = {r for r in ASKED for pid in workers if not answered(log, pid, r)}
            if not missing:
                break
            # four at once: while one worker answers, the other takes a connection too (one at a time, an idle
            # worker may win every accept, and the other never sees the request)
            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda f: f(), [send[r] for r in sorted(missing) for _ in range(4)]))
            assert all(a.status_code == 200 for a in answers), [a.status_code for a in answers]
        else:
            pytest.fail(f"after 100 rounds a worker has still not answered {sorted(missing)}")
        assert children(server.proc.pid) == workers, "a worker was replaced"
        master_kib, worker_kib = pss_kib(server.proc.pid), [pss_kib(p) for p in workers]
        sklearn = [pid for pid in [server.proc.pid, *workers] if maps(pid, "/sklearn/")]
        assert server.errors() == []
    finally:
        stop_server(server)
    total = (master_kib + sum(worker_kib)) / 1024
    report(
        f"PSS after a prediction, a batch and an explanation in each worker: {total:.0f} MiB (master "
        f"{master_kib / 1024:.0f}, workers {', '.join(f'{k / 1024:.0f}' for k in worker_kib)}; budget {PSS_BUDGET})"
    )
    assert sklearn == [], f"processes {sklearn} loaded scikit-learn: the explainer should read the forest without it"
    assert total <= PSS_BUDGET

"""Load and faults against real gunicorn processes on loopback, every loop bounded in time and request count.

- Load: 30 s at 32 concurrent connections of mixed valid and invalid requests on every surface: no connection
  error, no 5xx, every valid answer equal to Model.predict for its row, worker memory (PSS) growing < 10%.
- A worker SIGKILLed under load is replaced and the service answers again within 2 s.
- SIGTERM lets in-flight requests finish.
- A missing, truncated or tampered model file, a malformed card, another scikit-learn, or a bad setting stops
  start-up: non-zero exit, one line naming the file or variable and the problem, no port ever bound.
- /health is not 200 before the model is loaded.
- Issue 19's faults: SIGHUP twice under load fails no request; 3,000 idle connections (more than 2 workers x
  worker_connections) delay /health by at most keepalive + 2 s and leave the same workers; a flood of /explain and of
  MAX_BATCH-row batches answers no 5xx while /health's 99th percentile stays under 0.5 s. (The metrics folder deleted
  or unable to take files: tests/test_metrics.py.)
"""

import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
import requests
from test_worker_model import read_conf

from boston_app.data import load_boston
from boston_app.speed import load_model  # the served app's loader
from conftest import IN_CI, MODEL_DIR, children, host_port, pss_kib, start_server, stop_server, wait_until_ready

MODEL = load_model(MODEL_DIR, "onnx")  # the engine the server runs
CARD = MODEL.card
NAMES = MODEL.features
MEDIANS = [f["median"] for f in CARD["features"]]
LOAD_SECONDS = 30
CONNECTIONS = 32
LOAD_FIGURES = {}  # filled by the load test, printed at the end of the session for docs/reliability.md


# ------------------------------------------------------------------------------------------ requests with answers


@dataclass
class Req:
    kind: str
    method: str
    path: str
    body: bytes | None
    headers: dict
    status: int
    expect: object = None  # predictions (list), a price text, or the error field that must be named


def _num(x):
    return f"{float(x):.6g}"


def make_requests(seed=0, n=240):
    """A shuffled mix of valid requests (with their expected answers, from MODEL) and invalid ones."""
    rng = random.Random(seed)
    X, _ = load_boston()
    out = []
    for i in range(n):
        row = [float(_num(v)) for v in X[rng.randrange(len(X))]]
        kind = i % 8
        if kind in (0, 1):  # GET /predict with some features, the rest at their medians
            given = sorted(rng.sample(range(len(NAMES)), rng.randint(1, len(NAMES))))
            values = [row[j] if j in given else MEDIANS[j] for j in range(len(NAMES))]
            query = urlencode({NAMES[j]: _num(row[j]) for j in given})
            out.append(Req("get", "GET", f"/predict?{query}", None, {}, 200, [MODEL.predict(np.array([values]))[0]]))
        elif kind == 2:  # POST /predict, one row
            body = json.dumps(dict(zip(NAMES, row))).encode()
            out.append(
                Req(
                    "post",
                    "POST",
                    "/predict",
                    body,
                    {"Content-Type": "application/json"},
                    200,
                    [MODEL.predict(np.array([row]))[0]],
                )
            )
        elif kind == 3:  # POST /predict, a batch
            rows = [[float(_num(v)) for v in X[rng.randrange(len(X))]] for _ in range(rng.randint(2, 20))]
            body = json.dumps({"instances": [dict(zip(NAMES, r)) for r in rows]}).encode()
            out.append(
                Req(
                    "batch",
                    "POST",
                    "/predict",
                    body,
                    {"Content-Type": "application/json"},
                    200,
                    list(MODEL.predict(np.array(rows))),
                )
            )
        elif kind == 4:  # POST /, the form, all fields as a browser sends them
            price = round(float(MODEL.predict(np.array([row]))[0]) * 1000)
            out.append(
                Req(
                    "form",
                    "POST",
                    "/",
                    urlencode(dict(zip(NAMES, map(_num, row)))).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    200,
                    f"${price:,}",
                )
            )
        elif kind == 5:  # invalid query
            name = rng.choice(NAMES)
            bad = rng.choice(["abc", "", "NaN", "inf", "1e400", "-1", "true"])
            if bad == "-1" and CARD["features"][NAMES.index(name)].get("low") is None:
                bad = "abc"
            out.append(Req("get-bad", "GET", f"/predict?{urlencode({name: bad})}", None, {}, 400, name))
        elif kind == 6:  # invalid JSON body
            body = rng.choice(
                [b'{"CRIM": NaN}', b'{"CRIM": 1, "CRIM": 2}', b"[1]", b'{"CRIM": "\xff"}', b"[" * 5000 + b"]" * 5000]
            )
            out.append(Req("post-bad", "POST", "/predict", body, {"Content-Type": "application/json"}, 400, None))
        else:  # invalid form
            out.append(
                Req(
                    "form-bad",
                    "POST",
                    "/",
                    b"CHAS=0.5&NOAX=1",
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    400,
                    "CHAS",
                )
            )
    rng.shuffle(out)
    return out


def check(req, status, body):
    """None if the answer is right for `req`, else what is wrong."""
    if status != req.status:
        return f"{req.kind}: status {status}: {body[:200]!r}"
    if req.kind in ("get", "post", "batch"):
        answer = json.loads(body)
        got = [answer["prediction"]] if "prediction" in answer else answer["predictions"]
        if len(got) != len(req.expect) or any(abs(g - e) > 1e-6 for g, e in zip(got, req.expect)):
            return f"{req.kind}: predicted {got}, Model.predict says {req.expect}"
    elif req.kind == "form":
        m = re.search(rb'<output id="prediction">(.*?)</output>', body)
        if not m or m.group(1).decode() != req.expect:
            return f"form: showed {m and m.group(1)!r}, expected {req.expect}"
    elif req.kind in ("get-bad", "post-bad"):
        fields = json.loads(body)["error"]["fields"]
        if not fields or (req.expect and req.expect not in fields):
            return f"{req.kind}: error names {fields}"
    elif req.kind == "form-bad":
        if f'id="{req.expect}-error"'.encode() not in body:
            return "form-bad: no error beside the field"
    return None


class Load:
    """`connections` client threads, each sending one request at a time over a fresh connection, until stopped or
    `seconds` or `max_requests` is reached. Counts statuses, connection errors and wrong answers."""

    def __init__(self, url, requests_, connections, seconds, max_requests=200_000):
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.reqs, self.connections, self.seconds, self.max_requests = requests_, connections, seconds, max_requests
        self.statuses, self.errors, self.wrong, self.ok_times = Counter(), [], [], []
        self.sent = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def _worker(self, k):
        deadline = self.started + self.seconds
        i = k * 7
        while not self.stop.is_set() and time.monotonic() < deadline:
            with self.lock:
                if self.sent >= self.max_requests:
                    return
                self.sent += 1
            req = self.reqs[i % len(self.reqs)]
            i += 1
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                conn.request(req.method, req.path, body=req.body, headers=req.headers)
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.errors.append((time.monotonic(), repr(e)))
                continue
            finally:
                conn.close()
            problem = check(req, resp.status, body)
            with self.lock:
                self.statuses[resp.status] += 1
                if problem and len(self.wrong) < 20:
                    self.wrong.append(problem)
                elif problem:
                    self.wrong.append("...")
                if resp.status == 200:
                    self.ok_times.append(time.monotonic())

    def start(self):
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self._worker, args=(k,), daemon=True) for k in range(self.connections)]
        for t in self.threads:
            t.start()
        return self

    def join(self):
        for t in self.threads:
            t.join(self.seconds + 60)
        self.elapsed = time.monotonic() - self.started
        return self

    @property
    def total(self):
        return sum(self.statuses.values()) + len(self.errors)


# ------------------------------------------------------------------------------------------ processes


def workers(server):
    """The pids of the gunicorn master's worker processes."""
    return children(server.proc.pid)


def wait_for(predicate, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def socket_count(pid):
    n = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            n += os.readlink(fd).startswith("socket:")
        except OSError:
            pass
    return n


def port_of(server):
    return int(server.url.rsplit(":", 1)[1])


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


# ------------------------------------------------------------------------------------------ load


@pytest.mark.slow
def test_load_30s_32_connections_mixed():
    server = start_server()
    try:
        reqs = make_requests()
        # Warm up, then take the memory baseline. A worker's first full garbage collection (some hundreds of
        # requests in) writes to every preloaded object, copying ~8 MB of pages it shared with the master: a
        # one-time step in PSS, not growth under load, so the baseline is taken after it.
        # Warm-up runs until each worker's PSS has been steady for 3 s after at least 1,500 requests (at most 25 s).
        pids = workers(server)
        assert len(pids) == 2
        warm = Load(server.url, reqs, CONNECTIONS, seconds=25, max_requests=30_000).start()
        samples = []
        while warm.threads[0].is_alive():
            samples.append([pss_kib(p) for p in pids])
            steady = len(samples) > 3 and all(abs(a - b) <= 0.005 * b for a, b in zip(samples[-1], samples[-4]))
            if warm.total >= 1500 and steady:
                break
            time.sleep(1)
        warm.stop.set()
        warm.join()
        before = {p: pss_kib(p) for p in pids}
        load = Load(server.url, reqs, CONNECTIONS, seconds=LOAD_SECONDS).start().join()
        after = {p: pss_kib(p) for p in workers(server)}
        log = server.output()
    finally:
        stop_server(server)
    growth = {p: after[p] / before[p] - 1 for p in before if p in after}
    LOAD_FIGURES.update(
        warmup_requests=warm.total,
        seconds=round(load.elapsed, 1),
        connections=CONNECTIONS,
        requests=load.total,
        statuses=dict(sorted(load.statuses.items())),
        connection_errors=len(load.errors),
        rate=round(load.total / load.elapsed),
        pss_kb_before=before,
        pss_kb_after=after,
        growth_pct={p: round(100 * g, 2) for p, g in growth.items()},
    )
    print("\nload figures:", json.dumps(LOAD_FIGURES))
    assert load.elapsed >= LOAD_SECONDS
    assert load.errors == [], load.errors[:5]
    assert not [s for s in load.statuses if s >= 500], load.statuses
    assert load.wrong == [], load.wrong
    assert load.statuses[200] > 1000 and load.statuses[400] > 500  # both kinds were really exercised
    assert set(after) == set(before), "a worker was replaced during the load"
    assert all(g < 0.10 for g in growth.values()), LOAD_FIGURES
    assert "Traceback" not in log and "[ERROR]" not in log, log[-3000:]


# ------------------------------------------------------------------------------------------ worker killed


@pytest.mark.slow
def test_worker_sigkilled_under_load_is_replaced_and_service_answers_within_2s():
    # One worker, so that killing it takes the service down until the master replaces it.
    server = start_server(env={"WEB_CONCURRENCY": "1"})
    try:
        (victim,) = workers(server)
        load = Load(server.url, make_requests(seed=1), 8, seconds=6, max_requests=20_000).start()
        # A deadline, not a measurement: 50 answers take about 0.1 s; 5 s only bounds a test that would hang.
        assert wait_for(lambda: load.statuses[200] >= 50, 5), "no load before the kill"
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for(lambda: [p for p in workers(server) if p != victim], 5)
        replaced_after = time.monotonic() - killed_at
        load.join()
        log = server.output()
    finally:
        stop_server(server)
    first_ok_after = min((t for t in load.ok_times if t > killed_at + 0.001), default=None)
    print(
        f"\nworker replaced after {replaced_after:.2f} s; first 200 after the kill at "
        f"{first_ok_after - killed_at:.3f} s; {load.total} requests, {len(load.errors)} connection errors"
    )
    assert replaced, "no new worker"
    # From the kill to the first 200: the master notices within its 1 s loop and forks a worker that is ready in
    # 0.2-0.6 s (measured here under the suite). 2 s is the promise; a service that did not replace the
    # worker would answer nothing for the whole 6 s of load, so the bound separates the two with over 1 s to spare.
    assert first_ok_after is not None and first_ok_after - killed_at < 2.0
    assert not [s for s in load.statuses if s >= 500], load.statuses
    assert load.wrong == [], load.wrong
    # Only the requests the killed worker was handling can be lost: a gevent worker holds many connections, so at
    # most one in flight on each of the load's connections. Connections still queued wait for the new worker.
    assert len(load.errors) <= load.connections, load.errors
    assert load.statuses[200] > 100
    assert f"Worker (pid:{victim}) was sent SIGKILL" in log, log[-2000:]


# ------------------------------------------------------------------------------------------ SIGTERM


@pytest.mark.slow
def test_sigterm_lets_in_flight_requests_finish():
    server = start_server()
    port = port_of(server)
    body = json.dumps({"instances": [dict(zip(NAMES, map(float, r))) for r in load_boston()[0][:200]]}).encode()
    expected = MODEL.predict(load_boston()[0][:200])
    head = (
        f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    socks = []
    try:
        pids = workers(server)
        base = {p: socket_count(p) for p in pids}
        # Two requests in flight: headers and half the body sent, the rest held back. A gevent worker holds many
        # connections at once, so both may be in one worker: count the sockets the workers hold in all.
        for _ in pids:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(head + body[: len(body) // 2])
            socks.append(s)
            assert wait_for(lambda: sum(socket_count(p) - base[p] for p in pids) == len(socks), 5), "not accepted"
        server.proc.send_signal(signal.SIGTERM)
        assert wait_for(lambda: "Handling signal: term" in server.output(), 5), server.output()[-2000:]
        # The master signals its workers right after logging that line; nothing outside shows the moment a worker
        # has run its handler, so give it a bounded half second before the held-back halves go out.
        time.sleep(0.5)
        assert all(Path(f"/proc/{p}").exists() for p in pids)  # the workers wait for their requests
        for s in socks:  # the rest of each body, after the shutdown began
            s.sendall(body[len(body) // 2 :])
        replies = []
        for s in socks:
            data = b""
            while chunk := s.recv(1 << 16):
                data += chunk
            replies.append(data)
        code = server.proc.wait(20)
    finally:
        for s in socks:
            s.close()
        stop_server(server)
    for data in replies:
        head_, _, payload = data.partition(b"\r\n\r\n")
        assert head_.startswith(b"HTTP/1.1 200"), data[:300]
        got = json.loads(payload)["predictions"]
        assert np.allclose(got, expected, atol=1e-6, rtol=0)
    assert code == 0
    log = server.output()
    assert log.index("Handling signal: term") < log.index("Worker exiting")
    assert "Traceback" not in log and "[ERROR]" not in log, log[-2000:]


# ------------------------------------------------------------------------------------------ start-up refusals


def _copy_model(tmp, name, change):
    d = tmp / name
    shutil.copytree(MODEL_DIR, d)
    change(d)
    return d


def _flip_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(data)


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _card(d, edit):
    card = json.loads((d / "model.json").read_text())
    edit(card)
    (d / "model.json").write_text(json.dumps(card))


# case id -> (how to break it: env overrides or a function of tmp dir giving env, what the one line must contain)
START_FAILURES = {
    "card-missing": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "a", lambda d: (d / "model.json").unlink()))},
        ["model.json", "missing"],
    ),
    "pickle-missing": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "b", lambda d: (d / "model.pkl").unlink()))},
        ["model.pkl", "missing"],
    ),
    "onnx-missing": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "c", lambda d: (d / "model.onnx").unlink()))},
        ["model.onnx", "missing"],
    ),
    "onnx-truncated": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "d", lambda d: _truncate(d / "model.onnx")))},
        ["model.onnx", "SHA-256 mismatch"],
    ),
    "pickle-tampered": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "e", lambda d: _flip_byte(d / "model.pkl")))},
        ["model.pkl", "SHA-256 mismatch"],
    ),
    "onnx-tampered": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "f", lambda d: _flip_byte(d / "model.onnx")))},
        ["model.onnx", "SHA-256 mismatch"],
    ),
    "card-malformed": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "g", lambda d: _truncate(d / "model.json")))},
        ["model.json", "not valid JSON"],
    ),
    "card-not-a-card": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "h", lambda d: (d / "model.json").write_text("[]")))},
        ["model.json", "not a model card"],
    ),
    "card-unreadable": (
        lambda t: {
            "BOSTON_MODEL_DIR": str(
                _copy_model(t, "j", lambda d: ((d / "model.json").unlink(), (d / "model.json").mkdir()))
            )
        },
        ["model.json", "cannot be read"],
    ),
    "card-artifacts-wrong-type": (
        lambda t: {"BOSTON_MODEL_DIR": str(_copy_model(t, "k", lambda d: _card(d, lambda c: c.update(artifacts=1))))},
        ["model.json", '"artifacts"'],
    ),
    "card-feature-without-median": (
        lambda t: {
            "BOSTON_MODEL_DIR": str(_copy_model(t, "l", lambda d: _card(d, lambda c: c["features"][0].pop("median"))))
        },
        ["model.json", '"features"'],
    ),
    "sklearn-version": (
        lambda t: {
            "BOSTON_MODEL_DIR": str(
                _copy_model(t, "i", lambda d: _card(d, lambda c: c["versions"].update({"scikit-learn": "0.24.2"})))
            )
        },
        ["model.pkl", "scikit-learn 0.24.2", "is installed"],
    ),
    "engine-foo": (lambda t: {"BOSTON_ENGINE": "foo"}, ["BOSTON_ENGINE", "'foo'"]),
    "port-abc": (lambda t: {"PORT": "abc"}, ["PORT", "'abc'"]),
    "workers-zero": (lambda t: {"WEB_CONCURRENCY": "0"}, ["WEB_CONCURRENCY", "'0'"]),
    "max-batch-lots": (lambda t: {"BOSTON_MAX_BATCH": "lots"}, ["BOSTON_MAX_BATCH", "'lots'"]),
    "max-body-tiny": (lambda t: {"BOSTON_MAX_BODY": "12"}, ["BOSTON_MAX_BODY", "12"]),
    "flask-debug": (lambda t: {"FLASK_DEBUG": "1"}, ["FLASK_DEBUG"]),
    # gunicorn parses WEB_CONCURRENCY itself, on import, before it reads gunicorn.conf.py: its own traceback.
    "workers-x": (lambda t: {"WEB_CONCURRENCY": "x"}, ["WEB_CONCURRENCY", "invalid literal for int()", "'x'"]),
}
GUNICORN_OWN = {"workers-x"}


@pytest.fixture(scope="module")
def refused_starts(tmp_path_factory):
    """Start every broken configuration at once (they fail independently), watch each one's port until it exits."""
    tmp = tmp_path_factory.mktemp("broken-models")
    servers = {k: start_server(env=make(tmp), wait=False) for k, (make, _) in START_FAILURES.items()}
    bound = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(s.proc.poll() is None for s in servers.values()):
        for k, s in servers.items():
            if s.proc.poll() is None and k != "port-abc" and accepts(port_of(s)):
                bound.add(k)
        time.sleep(0.02)
    results = {}
    for k, s in servers.items():
        running = s.proc.poll() is None
        stop_server(s)
        results[k] = (running, s.proc.returncode, s.output(), k in bound)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("case", list(START_FAILURES))
def test_bad_model_or_config_stops_startup_with_one_line(refused_starts, case):
    running, code, output, bound = refused_starts[case]
    assert not running, "still running after 60 s"
    assert code != 0
    assert not bound, "the port answered: a half-working server"
    lines = [line for line in output.splitlines() if line.strip()]
    must = START_FAILURES[case][1]
    if case in GUNICORN_OWN:
        assert all(m in output for m in must), output
        assert "invalid literal for int()" in lines[-1]
        return
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert all(m in lines[0] for m in must), lines[0]


# ------------------------------------------------------------------------------------------ health before the model


@pytest.mark.slow
def test_health_not_200_before_the_model_is_loaded(tmp_path):
    """The card is a named pipe: loading blocks on it until the test writes the card. Until then, nothing answers."""
    d = tmp_path / "model"
    shutil.copytree(MODEL_DIR, d)
    card = (d / "model.json").read_bytes()
    (d / "model.json").unlink()
    os.mkfifo(d / "model.json")
    server = start_server(env={"BOSTON_MODEL_DIR": str(d)}, wait=False)
    try:
        port = port_of(server)
        seen = []
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:  # gunicorn is up and loading: poll /health
            try:
                seen.append(requests.get(server.url + "/health", timeout=0.5).status_code)
            except requests.ConnectionError:
                seen.append("refused")
            time.sleep(0.05)
        assert server.proc.poll() is None
        assert seen and set(seen) == {"refused"}, seen
        fd = wait_for(lambda: _open_writer(d / "model.json"), 5)  # gunicorn is reading the card now
        assert fd, "gunicorn never opened the card"
        os.write(fd, card)
        os.close(fd)
        r = wait_for(lambda: _health(server.url), 30, step=0.1)
        assert r is not None and r.status_code == 200
        assert r.json()["model_file"] == "model.onnx"  # the default engine's file, and its fingerprint
        assert r.json()["model_sha256"] == json.loads(card)["artifacts"]["model.onnx"]["sha256"]
        assert accepts(port)
        # Both workers ready before the SIGTERM that stops the server: a worker still booting when SIGTERM comes
        # is not stopped until graceful_timeout (25 s) runs out (seen here: 25 s of this test's 27).
        wait_until_ready(server.output, 2)
    finally:
        stop_server(server)


def _open_writer(path):
    try:
        return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # ENXIO: no reader yet
        return None


def _health(url):
    try:
        r = requests.get(url + "/health", timeout=1)
        return r if r.status_code == 200 else None
    except (
        requests.ConnectionError,
        requests.Timeout,
    ):  # not listening yet, or workers still booting on a busy machine
        return None


# ------------------------------------------------------------------------------------------ SIGHUP under load


class Clients:
    """Client threads sending requests one after another until stopped: some over one kept-alive connection each
    (http.client, as a browser or a pooled client does), others over a new connection for every request. Every
    request must come back 200 with the right answer.

    The one retry: a request sent over a kept-alive connection that had already carried an answer, whose
    connection closes before any byte of its answer arrives, is sent again once over a new connection. A server may
    close an idle kept-alive connection at any moment (an old worker does, at once, when a reload stops it), and a
    request already on its way then meets a closed socket; HTTP lets a client retry an idempotent request in that
    case (RFC 9112, section 9.3.1) and browsers do, for GETs: a POST is not retried. A request on a new connection,
    an answer cut after its first byte, or a second failure counts as failed."""

    def __init__(self, url, kept=((), 0), fresh=((), 0)):
        """`kept` and `fresh`: (the requests to send in turn, how many clients) over kept-alive connections and over
        new connections."""
        self.host, self.port = url.removeprefix("http://").split(":")
        self.stop, self.lock = threading.Event(), threading.Lock()
        self.statuses, self.failed, self.wrong, self.retried = Counter(), [], [], 0
        self.threads = [
            threading.Thread(target=self._run, args=(reqs, k, keep_alive))
            for (reqs, n), keep_alive in ((kept, True), (fresh, False))
            for k in range(n)
        ]

    def _connection(self):
        return http.client.HTTPConnection(self.host, int(self.port), timeout=30)

    def _run(self, reqs, k, keep_alive):
        conn, used, i = self._connection(), False, k * 11
        while not self.stop.is_set():
            req = reqs[i % len(reqs)]
            i += 1
            try:
                try:
                    conn.request(req.method, req.path, body=req.body, headers=req.headers)
                    resp = conn.getresponse()
                except (ConnectionError, http.client.RemoteDisconnected):
                    if not used or req.method != "GET":  # a new connection, or not idempotent: no excuse
                        raise
                    with self.lock:
                        self.retried += 1
                    conn.close()
                    conn = self._connection()
                    conn.request(req.method, req.path, body=req.body, headers=req.headers)
                    resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.failed.append(f"{req.method} {req.path[:40]}: {e!r}")
                conn.close()
                conn, used = self._connection(), False
                continue
            used = keep_alive
            if not keep_alive:
                conn.close()
                conn = self._connection()
            problem = check(req, resp.status, body)
            with self.lock:
                self.statuses[resp.status] += 1
                if problem:
                    self.wrong.append(problem)
        conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    @property
    def answered(self):
        with self.lock:
            return sum(self.statuses.values())


@pytest.mark.slow
def test_sighup_reload_under_load_fails_no_request():
    """The master gets SIGHUP twice while 8 clients send requests without pause: gunicorn starts new workers and
    stops the old ones gracefully each time. Every request is answered 200 with the right answer."""
    server = start_server()
    reloads, keep_alive = 2, 4
    try:
        first = workers(server)
        valid = [r for r in make_requests(seed=2) if r.status == 200]  # GET, POST, batches and the form
        gets = [r for r in valid if r.method == "GET"]  # the kept-alive clients may retry them
        with Clients(server.url, kept=(gets, keep_alive), fresh=(valid, 4)) as clients:
            for _ in range(reloads):
                before = clients.answered
                assert wait_for(lambda b=before: clients.answered > b + 200, 10), "no load before the reload"
                ready = server.output().count("Worker ready")
                server.proc.send_signal(signal.SIGHUP)
                # the new workers are ready (they log it) and the old ones gone
                assert wait_for(lambda r=ready: server.output().count("Worker ready") >= r + 2, 15), server.output()
                assert wait_for(lambda: len(workers(server)) == 2, 10), workers(server)
            after_last = clients.answered
            assert wait_for(lambda: clients.answered > after_last + 200, 10), "no answers after the last reload"
        last = workers(server)
        log = server.output()
    finally:
        stop_server(server)
    print(
        f"\n{reloads} reloads under load: {sum(clients.statuses.values())} answers {dict(clients.statuses)}, "
        f"{clients.retried} retried after a kept-alive connection closed"
    )
    assert clients.failed == [], clients.failed[:5]
    assert set(clients.statuses) == {200}, clients.statuses
    assert clients.wrong == [], clients.wrong[:5]
    # each old worker closes each kept-alive connection at most once as it stops
    assert clients.retried <= keep_alive * reloads, clients.retried
    assert log.count("Handling signal: hup") == reloads
    assert not set(first) & set(last) and len(last) == 2, (first, last)  # every worker was replaced
    assert "Traceback" not in log and "[ERROR]" not in log, log[-3000:]


# ------------------------------------------------------------------------------------------ a flood of heavy requests


def health_probe(url, stop, min_probes, seconds):
    """Seconds each GET /health took, on a new connection every 10 ms, as a load balancer's check comes: at least
    `min_probes` of them, or `seconds` of probing, whichever is later (or until `stop` is set)."""
    waits, started = [], time.monotonic()
    while not stop.is_set() and (len(waits) < min_probes or time.monotonic() - started < seconds):
        t = time.perf_counter()
        r = requests.get(url + "/health", timeout=10)
        waits.append(time.perf_counter() - t)
        assert r.status_code == 200, r.status_code
        time.sleep(0.01)
        if time.monotonic() - started > 30:  # a bound for a test that would hang
            break
    return sorted(waits)


def p99(waits):
    return waits[min(len(waits) - 1, int(0.99 * len(waits)))]


@pytest.mark.slow
def test_a_flood_of_explanations_and_largest_batches_leaves_health_quick():
    """8 clients ask GET /explain and 4 send POST /predict batches of MAX_BATCH rows, each over its own kept-alive
    connection, without pause, while GET /health is asked every 10 ms on a new connection. Every answer is 200 (no
    5xx), and /health's 99th percentile stays under 0.5 s: the issue's bound."""
    from boston_app.validation import MAX_BATCH

    X, _ = load_boston()
    explains = [
        Req("explain", "GET", f"/explain?{urlencode({n: _num(v) for n, v in zip(NAMES, x)})}", None, {}, 200)
        for x in X[:50]
    ]
    rows = [dict(zip(NAMES, map(float, X[i % len(X)]))) for i in range(MAX_BATCH)]
    biggest = Req(
        "batch",
        "POST",
        "/predict",
        json.dumps({"instances": rows}).encode(),
        {"Content-Type": "application/json"},
        200,
        list(MODEL.predict(np.array([[r[n] for n in NAMES] for r in rows]))),
    )
    server = start_server()
    try:
        # Each worker builds TreeSHAP's arrays on its first explanation and answers nothing else meanwhile (issue
        # 19, point 1, another test's business): ask until ten explanations in a row take under 0.3 s.
        fast, deadline = 0, time.monotonic() + 20
        while fast < 10 and time.monotonic() < deadline:
            t = time.perf_counter()
            assert requests.get(server.url + explains[0].path, timeout=10).status_code == 200
            fast = fast + 1 if time.perf_counter() - t < 0.3 else 0
        pids = workers(server)
        with Clients(server.url, kept=(explains, 8)) as heavy, Clients(server.url, kept=([biggest], 4)) as batches:
            assert wait_for(lambda: heavy.answered > 50 and batches.answered > 4, 10), "no flood"
            waits = health_probe(server.url, heavy.stop, min_probes=100, seconds=4)
        log = server.output()
        same = workers(server) == pids
    finally:
        stop_server(server)
    print(
        f"\nflood: {dict(heavy.statuses)} explanations, {dict(batches.statuses)} batches of {MAX_BATCH}; /health "
        f"n={len(waits)} median {1000 * waits[len(waits) // 2]:.0f} ms, p99 {1000 * p99(waits):.0f} ms, "
        f"max {1000 * waits[-1]:.0f} ms"
    )
    for clients in (heavy, batches):
        assert clients.failed == [] and clients.wrong == [], (clients.failed[:3], clients.wrong[:3])
        assert set(clients.statuses) == {200}, clients.statuses
    assert heavy.answered > 200 and batches.answered > 20  # a flood it was
    assert len(waits) >= 100  # so that the 99th percentile is one of the slowest two
    assert p99(waits) < 0.5, f"/health p99 {p99(waits):.3f} s under the flood"
    assert same, "a worker was replaced during the flood"
    assert "Traceback" not in log and "[ERROR]" not in log, log[-3000:]


# ------------------------------------------------------------------------------------------ idle connections


IDLE = 3000  # well over 2 workers x worker_connections (1,000)


def open_files_at_least(n):
    """Raise this process's soft limit on open files to `n` if it is lower (gunicorn, started after, inherits it);
    return how to put the old limit back. Skips only where the hard limit forbids it, and never in CI."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < n:
        if hard != resource.RLIM_INFINITY and hard < n:
            why = f"{n} open files are needed and the hard limit (ulimit -Hn) is {hard}"
            if IN_CI:
                pytest.fail(why + ": CI must allow them")
            pytest.skip(why)
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.slow
def test_thousands_of_idle_connections_delay_health_by_at_most_keepalive():
    """3,000 connections open and send nothing: more than the 2 workers hold (1,000 each, gunicorn.conf.py's
    worker_connections); the rest wait in the listen queue. A new client's GET /health waits behind them until the
    idle ones are closed, `keepalive` after they came: it answers within keepalive + 2 s, and the same two workers
    serve on afterwards."""
    conf = read_conf()
    keepalive, per_worker = conf["keepalive"], conf["worker_connections"]
    assert IDLE > 2 * per_worker + 500
    restore = open_files_at_least(IDLE + 1000)  # this process and gunicorn: the sockets, and some to spare
    server, socks = None, []
    try:
        server = start_server()
        pids = workers(server)
        for _ in range(IDLE):
            socks.append(socket.create_connection(host_port(server.url), timeout=10))
        started = time.monotonic()
        r = requests.get(server.url + "/health", timeout=keepalive + 10)
        waited = time.monotonic() - started
        held = {p: socket_count(p) for p in pids}
        for s in socks:
            s.close()
        socks = []
        after = [requests.get(server.url + "/health", timeout=5).status_code for _ in range(10)]
        same = workers(server) == pids
        log = server.output()
    finally:
        for s in socks:
            s.close()
        if server:
            stop_server(server)
        restore()
    print(f"\n{IDLE} idle connections: /health answered after {waited:.2f} s (keepalive {keepalive} s); {held}")
    assert r.status_code == 200
    # The wait is keepalive itself (5.0 s measured): the idle connections ahead of it go when keepalive ends.
    assert waited <= keepalive + 2, waited
    assert after == [200] * 10 and same, (after, pids, workers(server))
    assert "Traceback" not in log and "[ERROR]" not in log, log[-3000:]

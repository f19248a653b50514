"""GET /metrics (boston_app/metrics.py, nbs/production_3_monitoring.ipynb): exact counts through Flask's test client and
through real gunicorn with 2 workers (prometheus_client's multiprocess mode, summed across workers), bounded label
values under hostile paths, methods and fields, and the bearer token."""

import importlib.metadata
import os
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest
import requests
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from boston_app.app import create_app, load_config
from boston_app.core import ConfigError
from boston_app.data import load_boston
from boston_app.metrics import (
    NOT_FEATURES,
    PRICE_BUCKETS,
    Metrics,
    count_row,
    count_rows,
    observe_all,
)
from conftest import MODEL_DIR, children, need, start_server, stop_server

TOKEN = "metrics-token-for-tests-0123456789"
LECTURE = "/predict?CRIM=0.0006&RM=6.5&AGE=65&DIS=5"  # CRIM below the training range
IN_RANGE = "/predict?RM=6.5&AGE=65"


def parse(text):
    """{(sample name, sorted label items): value} for every sample of a metrics text."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def label_values(found, name, label):
    return {dict(labels)[label] for (n, labels) in found if n == name and label in dict(labels)}


@pytest.fixture
def fresh():
    """A new app (its own registry) and its test client."""
    app = create_app({"MODEL_DIR": MODEL_DIR})
    return app, app.test_client()


def in_range_rows(n):
    """The first `n` rows of the data set whose every value lies inside the training range, as JSON objects."""
    card = create_app({"MODEL_DIR": MODEL_DIR, "METRICS": False}).extensions["boston_app"].model.card
    features = card["features"]
    X, _ = load_boston()
    rows = []
    for x in X:
        if all(f["train_min"] <= v <= f["train_max"] for f, v in zip(features, x)):
            rows.append({f["name"]: float(v) for f, v in zip(features, x)})
    return rows[:n]


# The traffic both the test client and the live server get, and what /metrics must then show.
def send(get, post, rows):
    """Send the mixed traffic through `get(path)` and `post(path, **kw)`."""
    for _ in range(7):
        get(IN_RANGE)
    get(LECTURE)  # one value out of range: CRIM low
    for _ in range(3):
        post("/predict", json={"RM": 6.2, "LSTAT": 9})
    for i in range(4):
        post("/predict", json={"instances": rows[5 * i : 5 * i + 5]})  # 4 batches of 5 rows
    get("/predict?RM=abc")  # RM
    get("/predict?RM=abc&AGE=900")  # RM and AGE, one request
    post("/predict", json={"NOAX": 0.5})  # other
    post("/predict", json={"instances": [{"RM": 6}, {"CRIM": -1}]})  # instances[1].CRIM -> CRIM
    post("/predict", json={"instances": []})  # instances
    post("/predict", data="RM=6", headers={"Content-Type": "text/plain"})  # Content-Type, 415
    post("/", data={"RM": "6.5"})  # the form: a prediction
    post("/", data={"RM": "x"})  # the form: RM


EXPECTED = {
    ("boston_requests_total", (("method", "GET"), ("route", "/predict"), ("status", "200"))): 8,
    ("boston_requests_total", (("method", "GET"), ("route", "/predict"), ("status", "400"))): 2,
    ("boston_requests_total", (("method", "POST"), ("route", "/predict"), ("status", "200"))): 7,
    ("boston_requests_total", (("method", "POST"), ("route", "/predict"), ("status", "400"))): 3,
    ("boston_requests_total", (("method", "POST"), ("route", "/predict"), ("status", "415"))): 1,
    ("boston_requests_total", (("method", "POST"), ("route", "/"), ("status", "200"))): 1,
    ("boston_requests_total", (("method", "POST"), ("route", "/"), ("status", "400"))): 1,
    ("boston_request_seconds_count", (("method", "GET"), ("route", "/predict"))): 10,
    ("boston_request_seconds_count", (("method", "POST"), ("route", "/predict"))): 11,
    ("boston_predictions_total", ()): 8 + 3 + 20 + 1,
    ("boston_predicted_price_count", ()): 8 + 3 + 20 + 1,
    ("boston_validation_errors_total", (("field", "RM"),)): 3,
    ("boston_validation_errors_total", (("field", "AGE"),)): 1,
    ("boston_validation_errors_total", (("field", "other"),)): 1,
    ("boston_validation_errors_total", (("field", "CRIM"),)): 1,
    ("boston_validation_errors_total", (("field", "instances"),)): 1,
    ("boston_validation_errors_total", (("field", "Content-Type"),)): 1,
    ("boston_validation_errors_total", (("field", "body"),)): 0,
    ("boston_out_of_range_total", (("feature", "CRIM"), ("side", "low"))): 1,
}


def check_expected(found):
    for key, want in EXPECTED.items():
        assert found.get(key, 0.0) == want, key
    drift = {key: v for key, v in found.items() if key[0] == "boston_out_of_range_total" and v}
    assert drift == {("boston_out_of_range_total", (("feature", "CRIM"), ("side", "low"))): 1.0}


def test_counts_through_the_test_client(fresh):
    app, client = fresh
    send(client.get, client.post, in_range_rows(20))
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.content_type.startswith("text/plain; version=")
    assert r.headers["Cache-Control"] == "no-store"
    check_expected(parse(r.get_data(as_text=True)))


def test_each_app_counts_for_itself(fresh):
    _, client = fresh
    other = create_app({"MODEL_DIR": MODEL_DIR}).test_client()
    client.get(IN_RANGE)
    assert value(parse(other.get("/metrics").get_data(as_text=True)), "boston_predictions_total") == 0
    assert value(parse(client.get("/metrics").get_data(as_text=True)), "boston_predictions_total") == 1


def test_the_scrape_is_counted_after_its_answer(fresh):
    _, client = fresh
    first = parse(client.get("/metrics").get_data(as_text=True))
    second = parse(client.get("/metrics").get_data(as_text=True))
    labels = {"method": "GET", "route": "/metrics", "status": "200"}
    assert value(first, "boston_requests_total", **labels) == 0
    assert value(second, "boston_requests_total", **labels) == 1


def test_price_buckets_cover_the_targets_range():
    _, y = load_boston()
    assert PRICE_BUCKETS[0] <= y.min() and y.max() <= PRICE_BUCKETS[-1]


def hostile(client, numbers):
    """Made-up paths, methods and field names, a new one in every request."""
    for i in numbers:
        client.get(f"/{i:x}/{'%2e' * (i % 5)}..;/etc/passwd?{i}")
        client.post(f"/predict/{i}", json={})
        client.get(f"/static/../../{i}")
        client.open("/predict", method=f"X{i}")
        client.get(f"/predict?NAME{i}=1&<script>{i}=2")
        client.post("/predict", json={"instances": [{f"instances[0].{i}": 1, f"F{i}": 2}]})
        client.post("/", data={f"field{i}": "1", "RM": f"{i}x"})


def test_hostile_paths_methods_and_fields_add_no_label_values(fresh):
    _, client = fresh
    client.get(IN_RANGE)
    hostile(client, range(0, 200))
    client.get("/metrics")  # a scrape is counted after its answer: the next one shows it
    before = parse(client.get("/metrics").get_data(as_text=True))
    hostile(client, range(200, 600))
    after = parse(client.get("/metrics").get_data(as_text=True))
    assert set(after) == set(before)  # 400 more of each: not one new series
    routes = {"/predict", "/", "/metrics", "/static/<path:filename>", "unmatched"}
    assert label_values(after, "boston_requests_total", "route") == routes
    assert label_values(after, "boston_requests_total", "method") == {"GET", "POST", "other"}
    schema = create_app({"MODEL_DIR": MODEL_DIR, "METRICS": False}).extensions["boston_app"].schema
    fields = label_values(after, "boston_validation_errors_total", "field")
    assert fields == {*schema.names, *NOT_FEATURES, "other"}  # bound at start, never more
    assert value(after, "boston_validation_errors_total", field="other") == 3 * 600
    assert value(after, "boston_requests_total", method="other", route="unmatched", status="405") == 600


def test_without_a_token_metrics_is_open(fresh):
    _, client = fresh
    assert load_config({})["METRICS_TOKEN"] is None
    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer wrong", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer tökén-0123456789abcdef"],
)
def test_a_token_protects_metrics(header):
    client = create_app({"MODEL_DIR": MODEL_DIR, "METRICS_TOKEN": TOKEN}).test_client()
    r = client.get("/metrics", headers={} if header is None else {"Authorization": header})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json == {"error": {"message": "Unauthorized: /metrics needs Authorization: Bearer <token>", "fields": {}}}
    assert TOKEN not in r.get_data(as_text=True)
    assert r.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}"])
def test_the_right_token_reads_metrics(header):
    client = create_app({"MODEL_DIR": MODEL_DIR, "METRICS_TOKEN": TOKEN}).test_client()
    r = client.get("/metrics", headers={"Authorization": header})
    assert r.status_code == 200
    assert "boston_predictions_total 0.0" in r.get_data(as_text=True)


@pytest.mark.parametrize("raw", ["", "short", "has spaces in it, sixteen+", "x" * 513, "tökén-0123456789abcdef"])
def test_a_malformed_token_stops_the_configuration(raw):
    with pytest.raises(ConfigError) as e:
        load_config({"BOSTON_METRICS_TOKEN": raw})
    message = str(e.value)
    assert message.startswith("BOSTON_METRICS_TOKEN must be 16 or more of the characters")
    assert "\n" not in message
    assert raw not in message or raw == ""  # the token itself is never echoed


def test_a_good_token_is_kept():
    assert load_config({"BOSTON_METRICS_TOKEN": TOKEN})["METRICS_TOKEN"] == TOKEN


def test_metrics_off_registers_nothing():
    app = create_app({"MODEL_DIR": MODEL_DIR, "METRICS": False})
    assert app.test_client().get("/metrics").status_code == 404
    assert "boston_app.metrics" not in app.extensions


def test_observe_all_equals_observe_one_by_one():
    """observe_all writes prometheus_client's private Histogram attributes (_upper_bounds, _buckets, _sum): one
    `observe` per price would cost a 1,000-row request a fifth of its time (tools/observe_cost.py). This is
    the guard: an upgrade that changes them fails here, naming the installed version."""
    installed = f"prometheus_client {importlib.metadata.version('prometheus-client')}"
    rng = np.random.default_rng(3)
    prices = [*rng.uniform(0, 60, 997), *PRICE_BUCKETS, 0.0, 50.0000001, 1e9]
    one = Histogram("h", "h", buckets=PRICE_BUCKETS, registry=CollectorRegistry())
    many = Histogram("h", "h", buckets=PRICE_BUCKETS, registry=CollectorRegistry())
    for p in prices:
        one.observe(p)
    try:
        observe_all(many, prices)
    except (AttributeError, TypeError) as e:
        pytest.fail(f"{installed} changed the Histogram attributes observe_all writes: {e!r}", False)
    a, b = one.collect()[0].samples, many.collect()[0].samples
    changed = f"{installed}: observe_all no longer counts as observe does; its private attributes changed"
    assert [(s.name, s.labels, s.value) for s in a if s.name != "h_sum"] == [
        (s.name, s.labels, s.value) for s in b if s.name != "h_sum"
    ], changed
    assert [s.value for s in a if s.name == "h_sum"] == pytest.approx([s.value for s in b if s.name == "h_sum"]), (
        changed
    )


def test_a_batch_counts_out_of_range_as_its_rows_one_by_one():
    schema = create_app({"MODEL_DIR": MODEL_DIR, "METRICS": False}).extensions["boston_app"].schema
    rng = np.random.default_rng(4)
    low = np.array([f["train_min"] for f in schema.features])
    high = np.array([f["train_max"] for f in schema.features])
    rows = (low + (high - low) * rng.uniform(-0.2, 1.2, (300, len(low)))).tolist()
    rows.append(list(low))  # at the edges: inside
    rows.append(list(high))
    one, batch = Metrics(schema), Metrics(schema)
    for row in rows:
        count_row(one, row)
    count_rows(batch, rows)
    assert [c._value.get() for c in one.low + one.high] == [c._value.get() for c in batch.low + batch.high]
    assert sum(c._value.get() for c in batch.low + batch.high) > 100


# Real gunicorn, 2 workers: prometheus_client's multiprocess mode.


def predictions_by_file(folder):
    """Predictions counted in each counter file of a metrics folder."""
    counts = {}
    for f in sorted(folder.glob("counter_*.db")):
        for metric in MultiProcessCollector.merge([str(f)]):
            if metric.name == "boston_predictions":
                counts[f.name] = sum(s.value for s in metric.samples)
    return counts


@pytest.mark.slow
def test_counts_add_up_across_workers(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    folder = tmp_path / "metrics"
    server = start_server(env={"PROMETHEUS_MULTIPROC_DIR": str(folder), "BOSTON_METRICS_TOKEN": TOKEN})
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    try:
        # a new connection per request: each worker takes some; go on until both have priced a house
        extra = 0
        while sum(1 for n in predictions_by_file(folder).values() if n) < 2:
            assert extra < 200, predictions_by_file(folder)
            assert server.get(IN_RANGE).status_code == 200
            extra += 1
        send(server.get, server.post, in_range_rows(20))
        assert server.get("/metrics").status_code == 401
        r = server.get("/metrics", headers=bearer)
        assert r.status_code == 200
        found = parse(r.text)
        labels = (("method", "GET"), ("route", "/predict"), ("status", "200"))
        EXPECTED_HERE = {**EXPECTED, ("boston_requests_total", labels): 8 + extra}
        for key in ("boston_predictions_total", "boston_predicted_price_count"):
            EXPECTED_HERE[(key, ())] += extra
        EXPECTED_HERE[("boston_request_seconds_count", (("method", "GET"), ("route", "/predict")))] += extra
        for key, want in EXPECTED_HERE.items():
            assert found.get(key, 0.0) == want, key
        assert sum(predictions_by_file(folder).values()) == EXPECTED_HERE[("boston_predictions_total", ())]
        unauthorized = {"method": "GET", "route": "/metrics", "status": "401"}
        assert value(parse(server.get("/metrics", headers=bearer).text), "boston_requests_total", **unauthorized) == 1
        for i in range(50):
            server.get(f"/{i}/../x{i}")
        routes = label_values(parse(server.get("/metrics", headers=bearer).text), "boston_requests_total", "route")
        assert routes == {"/predict", "/", "/metrics", "unmatched", "/health"}
    finally:
        stop_server(server)
    assert server.proc.returncode == 0
    assert list(folder.glob("*.db"))  # a folder the operator named is theirs: kept at exit


@pytest.mark.slow
def test_a_named_folder_starts_from_zero(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    folder = tmp_path / "metrics"
    for _ in range(2):
        server = start_server(env={"PROMETHEUS_MULTIPROC_DIR": str(folder)})
        try:
            assert value(parse(server.get("/metrics").text), "boston_predictions_total") == 0  # open: no token
            for _ in range(5):
                assert server.get(IN_RANGE).status_code == 200
            assert value(parse(server.get("/metrics").text), "boston_predictions_total") == 5
        finally:
            stop_server(server)


@pytest.mark.slow
@pytest.mark.parametrize("named", [None, ""])  # unset, or set to nothing
def test_without_a_folder_gunicorn_makes_one_and_deletes_it(named, tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    env = {"TMPDIR": str(tmp_path)}  # tempfile.mkdtemp makes its folder in TMPDIR
    if named is not None:
        env["PROMETHEUS_MULTIPROC_DIR"] = named
    server = start_server(env=env)
    try:
        made = list(tmp_path.glob("boston-metrics-*"))
        assert len(made) == 1 and list(made[0].glob("counter_*.db"))
        assert server.get(IN_RANGE).status_code == 200
        assert requests.get(server.url + "/metrics", timeout=10).status_code == 200
    finally:
        stop_server(server)
    assert server.proc.returncode == 0
    assert not made[0].exists()


@pytest.mark.slow
def test_an_app_that_cannot_start_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    env = {"TMPDIR": str(tmp_path), "BOSTON_METRICS_TOKEN": "short"}
    with pytest.raises(RuntimeError, match="BOSTON_METRICS_TOKEN must be 16 or more"):
        start_server(env=env)
    assert not list(tmp_path.glob("boston-metrics-*"))


# The metrics folder goes under the running service (issue 19): deleted, or unable to take files. Predictions go on
# answering 200, /metrics answers 503 naming the folder and the problem, the log gets one line per event and no
# traceback, and counting resumes once the folder is back. Both tests also SIGKILL a worker during the fault, so
# that a worker starts while it cannot open its count files: before the fix every prediction it answered was a 500.


def folder_server(folder):
    """Real gunicorn (2 workers) counting in `folder`, once both workers have counted (each has its files)."""
    server = start_server(env={"PROMETHEUS_MULTIPROC_DIR": str(folder)})
    both_counted(server, folder)
    return server


def count_files(folder):
    """{pid: n} for the newest count file of each process in `folder`: `counter_<pid>.db` (n = 0), then
    `counter_<pid>-<n>.db` once the process has opened new files n times (see process_identifier)."""
    found = {}
    for f in folder.glob("counter_*.db") if folder.is_dir() else []:
        pid, _, n = f.stem.removeprefix("counter_").partition("-")
        found[int(pid)] = max(int(n or 0), found.get(int(pid), 0))
    return found


def both_counted(server, folder, reopened=(), timeout=10):
    """Send GET /health on new connections until every worker has count files in `folder`, those in `reopened` new
    ones (n of 1 or more): after a fault a worker opens new files at its first request a second or more after its
    last look, and all its counts go to them from then on."""
    deadline = time.monotonic() + timeout
    while True:
        files, pids = count_files(folder), workers(server)
        if all(p in files for p in pids) and all(files.get(p, 0) >= 1 for p in reopened):
            return
        assert time.monotonic() < deadline, (files, pids, reopened)
        assert server.get("/health").status_code == 200
        time.sleep(0.05)


def workers(server):
    return children(server.proc.pid)


def kill_a_worker(server):
    """SIGKILL one worker, wait until the master has a replacement ready (it starts during the fault): its pid."""
    before = workers(server)
    ready = server.output().count("Worker ready")
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while server.output().count("Worker ready") == ready or len(workers(server)) != len(before):
        assert time.monotonic() < deadline, server.output()[-2000:]
        time.sleep(0.02)
    (new,) = set(workers(server)) - set(before)
    return new


def predictions_answered(server, n=10):
    """n GET /predict and one batch of 20 rows, each on a new connection: every one answers 200 with its price."""
    for _ in range(n):
        r = server.get(IN_RANGE)
        assert r.status_code == 200 and "prediction" in r.json(), r.text
    r = server.post("/predict", json={"instances": in_range_rows(20)})
    assert r.status_code == 200 and len(r.json()["predictions"]) == 20, r.text
    return n + 20


def metrics_503(server, message):
    r = server.get("/metrics")
    assert r.status_code == 503, r.text[:300]
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"error": {"message": f"metrics unavailable: {message}", "fields": {}}}


def fault_log(server, since):
    """What the log gained since byte `since`, less the access lines (checked apart: only /metrics may be 5xx)."""
    with open(server.log.name, "rb") as f:
        f.seek(since)
        lines = f.read().decode(errors="replace").splitlines()
    access = [line for line in lines if line.startswith("method=")]
    assert not [line for line in access if "status=5" in line and 'path="/metrics"' not in line], access
    return [line for line in lines if not line.startswith("method=")]


def check_fault_log(lines, problem):
    """No traceback, one 503 line naming `problem`, at most one `counts lost` line per worker that lost counts."""
    assert not [line for line in lines if "Traceback" in line or "unexpected error" in line], lines
    assert [line for line in lines if "GET /metrics answers 503" in line] == [
        line for line in lines if line.endswith(f"GET /metrics answers 503: {problem}")
    ]
    assert len([line for line in lines if "GET /metrics answers 503" in line]) == 1, lines
    assert len([line for line in lines if "counts lost in" in line]) <= 3, lines  # 2 workers and 1 replacement


@pytest.mark.slow
def test_a_deleted_metrics_folder_is_made_again_and_counting_resumes(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    folder = tmp_path / "metrics"
    server = folder_server(folder)
    try:
        since = server.size()
        shutil.rmtree(folder)
        kill_a_worker(server)
        predictions_answered(server)
        problem = f"the metrics folder {folder} was deleted, its counts with it; made again, empty"
        metrics_503(server, problem)
        assert folder.is_dir() and oct(folder.stat().st_mode & 0o777) == "0o700"  # made again by the service
        both_counted(server, folder, reopened=workers(server))  # each worker has opened new files in it
        sent = predictions_answered(server)
        found = parse(server.get("/metrics").text)
        # every prediction since the folder came back, and none from before: the counts restarted at zero
        assert value(found, "boston_predictions_total") == sent
        assert value(found, "boston_predicted_price_count") == sent
        lines = fault_log(server, since)
    finally:
        stop_server(server)
    check_fault_log(lines, problem)
    assert server.proc.returncode == 0


def unwritable(folder):
    """Make `folder` take no new files, and return (how to undo it, the reason the OS gives). As root (this machine)
    permissions do not bind, so the folder is made immutable (chattr +i); elsewhere (CI) it is made read-only."""
    if os.geteuid() == 0:
        chattr = need("chattr", "as root only an immutable folder refuses new files")
        subprocess.run([chattr, "+i", str(folder)], check=True)
        return lambda: subprocess.run([chattr, "-i", str(folder)], check=True), "Operation not permitted"
    folder.chmod(0o500)
    return lambda: folder.chmod(0o700), "Permission denied"


def a_file_in_its_place(folder):
    """Move `folder` aside and put a plain file at its path; undoing it puts the folder (and its open files) back."""
    aside = folder.with_name("aside")
    folder.rename(aside)
    folder.write_text("not a folder")

    def undo():
        folder.unlink()
        aside.rename(folder)

    return undo, "Not a directory"


@pytest.mark.slow
@pytest.mark.parametrize("fault", [unwritable, a_file_in_its_place], ids=["read-only", "file-in-its-place"])
def test_a_folder_that_takes_no_files_is_named_and_counting_resumes_once_fixed(fault, tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    folder = tmp_path / "metrics"
    server = folder_server(folder)
    undo = None
    try:
        before = value(parse(server.get("/metrics").text), "boston_predictions_total")
        since = server.size()
        undo, reason = fault(folder)
        new = kill_a_worker(server)  # the replacement cannot open its files
        lost = predictions_answered(server)
        problem = f"the metrics folder {folder} cannot take count files: {reason}"
        metrics_503(server, problem)
        undo()
        undo = None
        both_counted(server, folder, reopened=[new])
        sent = predictions_answered(server)
        after = value(parse(server.get("/metrics").text), "boston_predictions_total")
        lines = fault_log(server, since)
    finally:
        if undo:
            undo()
        stop_server(server)
    # Counting resumed: every prediction since the fix is counted. During the fault the surviving worker kept
    # counting in its open files and the replacement lost its counts, so those add between 0 and all of them.
    assert before + sent <= after <= before + sent + lost, (before, sent, lost, after)
    check_fault_log(lines, problem)


def test_a_folder_gone_during_the_read_is_a_503_too(fresh, monkeypatch, tmp_path):
    """The folder may vanish between /metrics's check and its read of the count files: still a 503 naming the folder
    and the problem, never a bare 500 (in-process: the read is made to fail as prometheus_client's would)."""
    from boston_app import metrics

    def gone():
        raise FileNotFoundError(2, "No such file or directory", str(tmp_path / "counter_1.db"))

    monkeypatch.setattr(metrics, "registry_to_read", gone)
    monkeypatch.setattr(metrics, "FOLDER", str(tmp_path))
    _, client = fresh
    r = client.get("/metrics")
    assert r.status_code == 503
    assert r.json["error"]["message"] == f"metrics unavailable: {tmp_path}: No such file or directory"

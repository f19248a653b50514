"""The speed benchmark. `make bench` (which runs `python bench/run.py`) prints three tables in about 8 minutes.

It starts every server itself on loopback (a free port), drives it with wrk (Debian package `wrk`:
`apt-get install -y wrk`), and stops it. The table compares, as ratios measured in the same run:

- ours: the service as deployed (`boston_app.app:app`, onnxruntime), served as the Procfile serves it: gunicorn, the
  repository's gunicorn.conf.py (whatever worker model it sets), 2 workers;
- twin: bench/twin_app.py, the same single-row endpoint in FastAPI + onnxruntime (the same model/model.onnx), served
  as a FastAPI user would serve it: `uvicorn --workers 2`, uvloop and httptools, access log on, from its own virtual
  environment bench/.venv-twin (bench/requirements-twin.txt; `make bench` makes it);
- floor: bench/bare_app.py, a Flask endpoint returning a constant, served exactly as ours: the most any Flask app on
  this gunicorn configuration can do;
- lecture: the service with BOSTON_ENGINE=sklearn, the lecture's way (the unpickled forest's `predict` per request);
- batch: ours, POST /predict with 1,000 instances; under the same load, and one request at a time (1 connection);
- fairness (issue 20), the second table: ours, ours before (bench/onloop_worker.py: a batch's work on the event loop)
  and the twin (its POST /predict takes the same batch), each: single rows alone on 4 connections; single rows on 4
  while 1,000-row batches run on 4 more (two wrk processes at once); batches alone on 8. 10 s runs, the servers taking
  turns, medians of 3 rounds; `--fair-only` prints this table alone;
- metrics off: ours with its metrics recording off (`create_app({'METRICS': False})`: no /metrics, no hooks), GET
  /predict with keep-alive and the batch on 1 connection, to state what counting every request costs (goal: < 5%).
  Each is measured right after ours in every round, and the cost is the median over the rounds of each pair's ratio.
- memory budget (issue 19), the third table: ours (2 workers), the PSS of the master and of each worker once each
  worker has answered GET /predict, POST /predict with 1,000 instances and GET /explain (the access log, with each
  line's pid, says which worker answered what), then after 30 s of mixed load (three wrk processes at once, 2
  connections each: single rows, batches, explanations). Goal: at most 250 MiB in all. `--pss-only` prints this
  table alone (about 40 s).

GET /predict carries all 13 features (the data set's first house), the same URL to every server. Ours, twin and floor
are each measured with keep-alive (wrk's persistent HTTP/1.1 connections) and with `Connection: close` (a new
connection per request). Each endpoint is warmed up, then measured with wrk (2 threads, 8 connections) in rounds that
take turns across the endpoints, so that whatever else the machine is doing falls on all of them alike; a figure is
the median over the rounds. Cold start (process start to the first 200 on GET /predict) and memory (the total PSS of
all the server's processes, master or parent and workers, from /proc/PID/smaps_rollup, after 200 requests, and for
the Flask service 5 batches) are the medians over three starts per server (ours, twin, lecture), each server alone.
Absolute figures depend on the machine: compare the ratios.
Exit status: 0 when every goal is met, 1 when one is missed, 2 when the benchmark could not run.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "wrk.lua"
TWIN_BIN = ROOT / "bench" / ".venv-twin" / "bin"  # the twin's own virtual environment, made by `make bench`
WORKERS, THREADS, CONNECTIONS, BATCH = 2, 2, 8, 1000
CLOSE = "Connection: close"
NO_METRICS_APP = "boston_app.app:create_app({'METRICS': False})"  # gunicorn calls the factory with this literal
PSS_BUDGET = 250  # MiB: master + WORKERS workers after explanations and mixed load (issue 19)
PID_LOG = ["--access-logformat", 'pid=%(p)s method=%(m)s path="%(U)s" status=%(s)s']  # who answered what
DROPPED_ENV = ("DYNO", "BOSTON_ENGINE", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "PORT", "HOST")


class BenchError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, body=None, timeout=10):
    """GET `url` (POST the JSON bytes `body`); (status, parsed JSON or text)."""
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        data = r.read()
        return r.status, json.loads(data) if r.headers.get_content_type() == "application/json" else data


class Server:
    """One server process, started by `cmd` as it is deployed, listening on loopback `port`.

    `cold` is the seconds from process start to the first 200 on `probe`. `booted` is the line the server's log shows
    once per worker ready to serve; `memory` waits for WORKERS of them.
    """

    def __init__(self, name, cmd, port, probe, logdir, env, booted, timeout=60):
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.booted = booted
        clean_env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV and not k.startswith("UVICORN_")}
        clean_env.update(env)
        self.log = open(Path(logdir) / f"{name}-{port}.log", "w+")
        start = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=clean_env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"{name} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if fetch(self.url + probe, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > start + timeout:
                self.stop()
                raise BenchError(f"{name} did not answer within {timeout} s:\n{self.output()}")
            time.sleep(0.005)
        self.cold = time.monotonic() - start

    def output(self, tail=3000):
        """The server's log so far: its last `tail` characters, or all of it if `tail` is None."""
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return text if tail is None else text[-tail:]

    def processes(self):
        """The server's pids: the master (uvicorn: the parent) and all its descendants."""
        children = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(stat.parent.name))
        pids = []
        todo = [self.proc.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(children.get(pid, []))
        return pids

    def memory(self):
        """Total PSS in MB of all the server's processes, and how many there are, once its WORKERS workers are up."""
        deadline = time.monotonic() + 30
        while self.output(tail=None).count(self.booted) < WORKERS:
            if time.monotonic() > deadline:
                raise BenchError(f"{self.name}: fewer than {WORKERS} workers booted")
            time.sleep(0.02)  # the first worker may answer while the others are still starting
        pids = self.processes()
        total_kb = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
        return total_kb / 1024, len(pids)

    def stop(self, grace=10):
        """SIGTERM the master (graceful); SIGKILL the process group if it is not gone within `grace` seconds."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                print(f"bench: {self.name} did not stop within {grace} s of SIGTERM; killed", file=sys.stderr)
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def gunicorn(name, app, probe, logdir, engine=None, extra_env=None, args=()):
    """`app` served as the Procfile serves it: gunicorn, the repository's gunicorn.conf.py, WORKERS workers (and any
    extra command-line `args`, which override the file)."""
    port = free_port()
    env = {"PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": str(WORKERS), **(extra_env or {})}
    if engine:
        env["BOSTON_ENGINE"] = engine
    return Server(name, [str(BIN / "gunicorn"), *args, app], port, probe, logdir, env, "Booting worker with pid")


def uvicorn(name, app, probe, logdir):
    """`app` served as a FastAPI user would serve it: uvicorn, WORKERS workers, uvloop and httptools, access log on."""
    port = free_port()
    cmd = [
        str(TWIN_BIN / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--access-log",
    ]
    return Server(name, cmd, port, probe, logdir, {}, "Application startup complete.")


def wrk_start(url, seconds, connections=CONNECTIONS, threads=THREADS, body=None, header=None):
    """Start one wrk run (with the extra request `header`, if any); `wrk_result` waits for it."""
    env = {**os.environ, "BENCH_BODY": str(body or "")}
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA)]
    if header:
        cmd += ["-H", header]
    cmd.append(url)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, url, seconds


def wrk_result(started):
    """The started wrk run's req/s, p50 and p99 in ms; any socket error or non-2xx answer stops the benchmark."""
    proc, url, seconds = started
    try:
        stdout, stderr = proc.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise BenchError(f"wrk on {url} did not finish") from None
    line = next((text for text in stdout.splitlines() if text.startswith("BENCH ")), None)
    if proc.returncode or line is None:
        raise BenchError(f"wrk failed on {url}:\n{stdout}\n{stderr}")
    s = json.loads(line[6:])
    bad = {k: s[k] for k in ("connect", "read", "write", "status", "timeout") if s[k]}
    if bad:
        raise BenchError(f"wrk saw errors or non-2xx answers on {url}: {bad}\n{stdout}")
    return dict(rps=s["requests"] / (s["duration_us"] / 1e6), p50=s["p50_us"] / 1000, p99=s["p99_us"] / 1000)


def wrk(url, seconds, **kw):
    """One wrk run: req/s, p50 and p99 in ms."""
    return wrk_result(wrk_start(url, seconds, **kw))


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def workloads(tmp):
    """The benchmark's two requests: the GET /predict query of the data set's first house, and the file in `tmp` of
    the POST /predict body with BATCH instances (the data set's houses in order, round again)."""
    from boston_app.data import load_boston
    from boston_app.speed import load_model

    X, _ = load_boston()
    names = load_model(ROOT / "model", engine="onnx").features
    query = "/predict?" + "&".join(f"{n}={v:g}" for n, v in zip(names, X[0]))
    body = tmp / "batch.json"
    body.write_bytes(
        json.dumps({"instances": [dict(zip(names, map(float, X[i % len(X)]))) for i in range(BATCH)]}).encode()
    )
    return query, body


def run(args, tmp):
    from boston_app.app import LAYERS

    query, body = workloads(tmp)
    if args.fair_only:
        return fairness(args, tmp, query, body)
    if args.pss_only:
        return memory_budget(args, tmp, query, body)
    sec, warm = args.seconds, args.warmup
    print(
        f"bench: {os.cpu_count()} CPUs; {WORKERS} workers per server; wrk -t{THREADS} -c{CONNECTIONS}; "
        f"{args.rounds} rounds of {sec} s per endpoint after {warm} s of warm-up",
        file=sys.stderr,
        flush=True,
    )
    starters = {
        "ours": lambda: gunicorn("ours", "boston_app.app:app", query, tmp, engine="onnx"),
        "twin": lambda: uvicorn("twin", "bench.twin_app:app", query, tmp),
        "floor": lambda: gunicorn("floor", "bench.bare_app:app", "/predict", tmp),
        "lecture": lambda: gunicorn("lecture", "boston_app.app:app", query, tmp, engine="sklearn"),
        "nometrics": lambda: gunicorn("nometrics", NO_METRICS_APP, query, tmp, engine="onnx"),
    }
    # Part 1's app alone, then with each layer of boston_app.app.LAYERS added in turn (bench/layers_app.py).
    for n in range(len(LAYERS) + 1):
        layers = {"BENCH_LAYERS": str(n)}
        starters[f"layers {n}"] = partial(gunicorn, f"layers{n}", "bench.layers_app:app", query, tmp, "onnx", layers)

    # Cold start and memory: each server alone, the servers taking turns.
    cold = {"ours": [], "twin": [], "lecture": []}
    mem = {"ours": [], "twin": [], "lecture": []}
    answers = {}
    for _ in range(args.starts):
        for name in cold:
            s = starters[name]()
            try:
                cold[name].append(s.cold)
                for _ in range(200):
                    answers[name] = fetch(s.url + query)[1]["prediction"]
                if name != "twin":  # the twin has no batch endpoint
                    for _ in range(5):
                        assert fetch(s.url + "/predict", body.read_bytes())[0] == 200
                mem[name].append(s.memory())
            finally:
                s.stop()
    if max(answers.values()) - min(answers.values()) > 1e-4:
        raise BenchError(f"the servers disagree: {answers}")

    # Throughput and latency: the four servers up together, the load taking turns among the endpoints.
    servers = {}
    try:
        for name, start in starters.items():
            servers[name] = start()
        url = {name: s.url for name, s in servers.items()}
        # Ours and the same app with its metrics off run back to back in each round (GET, then the 1-connection batch),
        # so that a change in the machine's load between the two falls on both.
        plan = {}
        plan["ours"] = (url["ours"] + query, {})
        plan["nometrics"] = (url["nometrics"] + query, {})
        plan["ours close"] = (url["ours"] + query, {"header": CLOSE})
        for name in ("twin", "floor"):
            plan[name] = (url[name] + query, {})
            plan[name + " close"] = (url[name] + query, {"header": CLOSE})
        plan["lecture"] = (url["lecture"] + query, {})
        for n in range(len(LAYERS) + 1):
            plan[f"layers {n}"] = (url[f"layers {n}"] + query, {})
        plan["batch"] = (url["ours"] + "/predict", {"body": body})
        plan["batch1"] = (url["ours"] + "/predict", {"body": body, "connections": 1, "threads": 1})
        plan["nometrics batch1"] = (url["nometrics"] + "/predict", {"body": body, "connections": 1, "threads": 1})
        for target, kw in plan.values():
            wrk(target, warm, **kw)
        runs = {k: [] for k in plan}
        for _ in range(args.rounds):
            for key, (target, kw) in plan.items():
                runs[key].append(wrk(target, sec, **kw))
    finally:
        for s in servers.values():
            s.stop()
    res = {k: median_of(v) for k, v in runs.items()}
    # What counting costs, round by round (each pair measured back to back), then the median over the rounds.
    costs = {
        "GET": [1 - a["rps"] / b["rps"] for a, b in zip(runs["ours"], runs["nometrics"])],
        "batch": [a["p50"] / b["p50"] - 1 for a, b in zip(runs["batch1"], runs["nometrics batch1"])],
    }
    res["metrics cost"] = {k: (statistics.median(v), min(v), max(v)) for k, v in costs.items()}
    cold = {name: statistics.median(v) for name, v in cold.items()}
    procs = {name: [m[1] for m in v] for name, v in mem.items()}
    mem = {name: statistics.median(m[0] for m in v) for name, v in mem.items()}
    print(f"bench: fairness, {args.fair_rounds} round(s) of {args.fair_seconds} s runs", file=sys.stderr, flush=True)
    fair = fairness(args, tmp, query, body)
    print(f"bench: memory budget, {args.pss_seconds} s of mixed load", file=sys.stderr, flush=True)
    return res, cold, mem, procs, fair, memory_budget(args, tmp, query, body)


def pss_mib(pid):
    """Proportional set size of process `pid` in MiB: its private pages, and its share of the pages it shares."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return next(int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")) / 1024


def answered(log, pid, request):
    """The access log's line (PID_LOG's format; gunicorn writes the pid as <pid>) where worker `pid` answered
    `request` ("GET /explain") with 200, or None."""
    method, path = request.split()
    return re.search(rf'pid=<{pid}> method={method} path="{re.escape(path)}" status=200', log)


def memory_budget(args, tmp, query, body):
    """Issue 19: PSS of ours' master and each worker, once each worker has answered a single row, a batch and an
    explanation, then after `args.pss_seconds` of mixed load. Returns the two readings (pid: MiB) and the requests
    the load made."""
    s = gunicorn("pss-ours", "boston_app.app:app", query, tmp, engine="onnx", args=PID_LOG)
    try:
        s.memory()  # waits until WORKERS workers have booted
        master, *workers = s.processes()
        explain = query.replace("/predict", "/explain")
        asked = {"GET /predict": (query, None), "POST /predict": ("/predict", body), "GET /explain": (explain, None)}
        for _ in range(100):
            log = s.output(tail=None)
            missing = [r for r in asked for pid in workers if answered(log, pid, r) is None]
            if not missing:
                break
            for request in dict.fromkeys(missing):  # each on a new connection: the workers take turns
                path, data = asked[request]
                headers = {"Connection": "close", "Content-Type": "application/json"}
                req = urllib.request.Request(s.url + path, data=data and data.read_bytes(), headers=headers)
                with urllib.request.urlopen(req, timeout=30) as r:
                    r.read()
        else:
            raise BenchError(f"pss: after 100 rounds a worker has still not answered {sorted(set(missing))}")
        first = {pid: pss_mib(pid) for pid in (master, *workers)}
        sec = args.pss_seconds
        runs = [
            wrk_start(s.url + query, sec, connections=2, threads=1),
            wrk_start(s.url + "/predict", sec, connections=2, threads=1, body=body),
            wrk_start(s.url + explain, sec, connections=2, threads=1),
        ]
        made = [wrk_result(w)["rps"] * sec for w in runs]
        if sorted(s.processes()) != sorted([master, *workers]):
            raise BenchError("pss: a worker was replaced during the mixed load")
        after = {pid: pss_mib(pid) for pid in (master, *workers)}
    finally:
        s.stop()
    return first, after, made


# The fairness workloads (issue 20): single rows while 1,000-row batches run beside them, and batches alone.
FAIR_SINGLE, FAIR_BATCH, FAIR_BATCHES_ALONE = 4, 4, 8  # connections
FAIR_SERVERS = ("ours", "before", "twin")
# "before": ours with the batch's work kept on the event loop, as it was before issue 20 (bench/onloop_worker.py)
ONLOOP_WORKER = "bench.onloop_worker.OnLoopWorker"


def fairness(args, tmp, query, body):
    """Per server: single rows alone on FAIR_SINGLE connections; the same with batches on FAIR_BATCH more at once
    (two wrk processes); batches alone on FAIR_BATCHES_ALONE. The servers take turns within each round; medians."""
    starters = {
        "ours": lambda: gunicorn("fair-ours", "boston_app.app:app", query, tmp, engine="onnx"),
        "before": lambda: gunicorn(
            "fair-before", "boston_app.app:app", query, tmp, engine="onnx", args=["-k", ONLOOP_WORKER]
        ),
        "twin": lambda: uvicorn("fair-twin", "bench.twin_app:app", query, tmp),
    }
    sec = args.fair_seconds
    servers = {}
    try:
        for name in FAIR_SERVERS:
            servers[name] = starters[name]()
        for s in servers.values():  # warm up: both workers of each server answer both kinds
            wrk(s.url + query, 1, connections=FAIR_SINGLE)
            wrk(s.url + "/predict", 1, connections=FAIR_SINGLE, body=body)
        runs = {name: [] for name in FAIR_SERVERS}
        for _ in range(args.fair_rounds):
            for name, s in servers.items():
                single = wrk(s.url + query, sec, connections=FAIR_SINGLE)
                both = (
                    wrk_start(s.url + query, sec, connections=FAIR_SINGLE),
                    wrk_start(s.url + "/predict", sec, connections=FAIR_BATCH, body=body),
                )
                mixed, mixed_batch = (wrk_result(w) for w in both)
                batches = wrk(s.url + "/predict", sec, connections=FAIR_BATCHES_ALONE, body=body)
                runs[name].append(
                    {
                        "single rps": single["rps"],
                        "mixed rps": mixed["rps"],
                        "mixed p50": mixed["p50"],
                        "mixed p99": mixed["p99"],
                        "mixed share": mixed["rps"] / single["rps"],
                        "mixed batch p50": mixed_batch["p50"],
                        "mixed batch p99": mixed_batch["p99"],
                        "batches p50": batches["p50"],
                        "batches p99": batches["p99"],
                        "batches preds": BATCH * batches["rps"],
                    }
                )
    finally:
        for s in servers.values():
            s.stop()
    return {name: median_of(r) for name, r in runs.items()}, runs


FAIR_ROWS = (
    ("single rps", f"single rows alone, {FAIR_SINGLE} conn: req/s", ",.0f"),
    ("mixed rps", f"mixed, single rows on {FAIR_SINGLE} conn: req/s", ",.0f"),
    ("mixed share", "mixed: single-row req/s / alone", ".2f"),
    ("mixed p50", "mixed: single-row p50 ms", ".1f"),
    ("mixed p99", "mixed: single-row p99 ms", ".1f"),
    ("mixed batch p50", f"mixed, batches on {FAIR_BATCH} conn: p50 ms", ".1f"),
    ("mixed batch p99", f"mixed, batches on {FAIR_BATCH} conn: p99 ms", ".1f"),
    ("batches p50", f"batches alone, {FAIR_BATCHES_ALONE} conn: p50 ms", ".1f"),
    ("batches p99", f"batches alone, {FAIR_BATCHES_ALONE} conn: p99 ms", ".1f"),
    ("batches preds", f"batches alone, {FAIR_BATCHES_ALONE} conn: predictions/s", ",.0f"),
)


def fair_report(fair, runs, args):
    """The fairness table and its goals; True when every goal is met."""
    heads = ["ours", "ours before", "twin"]
    print(f"| {'fairness: batches of 1,000 beside single rows':<46} | " + " | ".join(f"{h:>11}" for h in heads) + " |")
    print(f"|{'-' * 48}|" + "|".join("-" * 12 + ":" for _ in heads) + "|")
    for key, label, fmt in FAIR_ROWS:
        cells = [format(fair[name][key], fmt) for name in FAIR_SERVERS]
        print(f"| {label:<46} | " + " | ".join(f"{cell:>11}" for cell in cells) + " |")
    print(
        f"\nEach server: {WORKERS} workers; wrk -t2, {args.fair_seconds} s per run, medians of {args.fair_rounds} "
        f"round(s), the servers taking turns. Mixed: GET /predict on {FAIR_SINGLE} connections and POST /predict with "
        f"{BATCH:,} instances on {FAIR_BATCH} more, two wrk processes at once. Ours before: the same code with the "
        "batch's work on the event loop (bench/onloop_worker.py)."
    )
    ours, before, twin = (fair[name] for name in FAIR_SERVERS)
    single_drop = 1 - ours["single rps"] / before["single rps"]
    goals = [
        (f"mixed: single-row p99 <= 60 ms: {ours['mixed p99']:.1f} ms", ours["mixed p99"] <= 60),
        (
            f"mixed: single-row req/s >= 1/4 of alone: {ours['mixed share']:.2f} of it",
            ours["mixed share"] >= 0.25,
        ),
        (
            f"batches alone: p99 <= 3 x p50: {ours['batches p99'] / ours['batches p50']:.1f} x",
            ours["batches p99"] <= 3 * ours["batches p50"],
        ),
        (
            f"batches alone: predictions/s >= twin's: {ours['batches preds'] / twin['batches preds']:.2f} x",
            ours["batches preds"] >= twin["batches preds"],
        ),
        (
            f"single rows alone: req/s at most 5% below before: {single_drop:+.1%} below",
            single_drop <= 0.05,
        ),
    ]
    print("\nfairness goals:")
    for text, ok in goals:
        print(f"  {'met   ' if ok else 'MISSED'} {text}")
    return all(ok for _, ok in goals)


def pss_report(first, after, made, args):
    """The memory budget's table (MiB of PSS per process and in all) and its goal; True when it is met."""
    heads = ["master", *(f"worker {i}" for i in range(1, WORKERS + 1)), "total"]
    print(f"| {'memory budget: PSS, MiB (issue 19)':<62} | " + " | ".join(f"{h:>8}" for h in heads) + " |")
    print(f"|{'-' * 64}|" + "|".join("-" * 9 + ":" for _ in heads) + "|")
    single, batches, explanations = (f"{n:,.0f}" for n in made)
    for label, pss in (
        ("after a single row, a batch and an explanation in each worker", first),
        (f"after {args.pss_seconds} s of mixed load", after),
    ):
        cells = [*pss.values(), sum(pss.values())]
        print(f"| {label:<62} | " + " | ".join(f"{c:>8.1f}" for c in cells) + " |")
    print(
        f"\nOurs, {WORKERS} workers. Mixed load: three wrk processes at once for {args.pss_seconds} s, 2 connections "
        f"each: GET /predict ({single} requests), POST /predict with {BATCH:,} instances ({batches}), GET /explain "
        f"({explanations})."
    )
    total = sum(after.values())
    ok = total <= PSS_BUDGET
    verdict = "met   " if ok else "MISSED"
    print(f"\nmemory goal:\n  {verdict} PSS <= {PSS_BUDGET} MiB after the mixed load: {total:.1f} MiB")
    return ok


SERVERS = ("ours", "twin", "floor", "lecture")
HEADS = [f"{name:>8}" for name in SERVERS] + [f"ours/{name}" for name in SERVERS[1:]]


def table_row(label, values, fmt):
    """One row: the value for each server (blank when not measured), then ours divided by each of the others."""
    cells = []
    for name in SERVERS:
        value = values.get(name)
        cells.append("" if value is None else format(value, fmt))
    ours = values.get("ours")
    for name in SERVERS[1:]:
        other = values.get(name)
        cells.append("" if ours is None or not other else f"{ours / other:.2f}")
    print(f"| {label:<46} | " + " | ".join(f"{cell:>{len(head)}}" for cell, head in zip(cells, HEADS)) + " |")


def layer_table(res):
    """What each layer costs: GET /predict req/s of Part 1's app, then with each layer added, over the floor."""
    from boston_app.app import LAYERS

    floor = res["floor"]["rps"]
    print("| GET /predict, keep-alive: the app with its layers | req/s | / floor | / the row above |")
    print("|---|---:|---:|---:|")
    before = None
    for n in range(len(LAYERS) + 1):
        rps = res[f"layers {n}"]["rps"]
        label = "Part 1's app, no layer (onnx engine)" if n == 0 else f"+ {LAYERS[n - 1].__name__.split('.')[-1]}"
        step = "" if before is None else f"{rps / before:.2f}"
        print(f"| {label} | {rps:,.0f} | {rps / floor:.2f} | {step} |")
        before = rps


def report(res, cold, mem, procs, args):
    print(f"| {'GET /predict: one URL, 13 features, to all':<46} | " + " | ".join(HEADS) + " |")
    print(f"|{'-' * 48}|" + "|".join("-" * (len(head) + 1) + ":" for head in HEADS) + "|")
    for mode, suffix in (("keep-alive", ""), ("Connection: close", " close")):
        for key, label, fmt in (("rps", "req/s", ",.0f"), ("p50", "p50 ms", ".2f"), ("p99", "p99 ms", ".2f")):
            values = {name: res[name + suffix][key] for name in SERVERS if name + suffix in res}
            table_row(f"{mode}: {label}", values, fmt)
    lecture_rps = res["lecture"]["rps"]
    batch_rows = BATCH * res["batch"]["rps"]
    table_row(f"batch {BATCH:,} rows, 8 conn: predictions/s", {"ours": batch_rows, "lecture": lecture_rps}, ",.0f")
    table_row(f"batch {BATCH:,} rows, 8 conn: p50 ms", {"ours": res["batch"]["p50"]}, ".2f")
    table_row(f"batch {BATCH:,} rows, 1 conn: p50 ms", {"ours": res["batch1"]["p50"]}, ".2f")
    table_row(f"batch {BATCH:,} rows, 1 conn: p99 ms", {"ours": res["batch1"]["p99"]}, ".2f")
    table_row("metrics off: keep-alive req/s", {"ours": res["nometrics"]["rps"]}, ",.0f")
    table_row(f"metrics off: batch {BATCH:,} rows, 1 conn: p50 ms", {"ours": res["nometrics batch1"]["p50"]}, ".2f")
    table_row("cold start: process start to first 200, s", cold, ".2f")
    table_row(f"memory: total PSS, master + {WORKERS} workers, MB", mem, ".1f")
    print()
    layer_table(res)
    counts = ", ".join(f"{name} {max(n)}" for name, n in procs.items())
    print(
        f"\nOurs, floor and lecture: gunicorn, the repository's gunicorn.conf.py, {WORKERS} workers; twin: uvicorn "
        f"--workers {WORKERS} (uvloop, httptools). wrk -t{THREADS} -c{CONNECTIONS} (the 1-connection rows: -t1 -c1), "
        f"medians of {args.rounds} rounds of {args.seconds} s each. The lecture's predictions/s: its GET /predict. "
        f"Cold start and memory: medians of {args.starts} starts per server, each alone; memory is the sum over "
        f"all the server's processes ({counts}: uvicorn's parent also starts multiprocessing's resource tracker)."
    )
    ours = res["ours"]["rps"]
    metrics_cost, low, high = res["metrics cost"]["GET"]  # the share of req/s that counting takes
    batch_cost, batch_low, batch_high = res["metrics cost"]["batch"]  # the time a batch's counting adds
    goals = [
        (
            f"metrics cost GET /predict < 5% of req/s (keep-alive): {metrics_cost:.1%} "
            f"(median of the rounds; they ranged {low:.1%} to {high:.1%})",
            metrics_cost < 0.05,
        ),
        (
            f"metrics cost a batch of {BATCH:,} < 5% of its p50 (1 connection): {batch_cost:.1%} "
            f"(rounds {batch_low:.1%} to {batch_high:.1%})",
            batch_cost < 0.05,
        ),
        (f"ours >= 1.0 x twin, keep-alive: {ours / res['twin']['rps']:.2f} x", ours >= res["twin"]["rps"]),
        (f"ours >= 0.85 x floor, keep-alive: {ours / res['floor']['rps']:.2f} x", ours >= 0.85 * res["floor"]["rps"]),
        (f"ours >= 10 x lecture: {ours / lecture_rps:.1f} x", ours >= 10 * lecture_rps),
        (f"batch predictions/s >= 10 x lecture's: {batch_rows / lecture_rps:,.0f} x", batch_rows >= 10 * lecture_rps),
        (
            f"batch of {BATCH:,}, median < 20 ms end to end (1 connection): {res['batch1']['p50']:.1f} ms",
            res["batch1"]["p50"] < 20,
        ),
        (f"cold start, ours <= twin: {cold['ours']:.2f} s against {cold['twin']:.2f} s", cold["ours"] <= cold["twin"]),
        (f"memory, ours < 450 MB total PSS: {mem['ours']:.1f} MB", mem["ours"] < 450),
        (f"memory, ours <= twin: {mem['ours']:.1f} MB against {mem['twin']:.1f} MB", mem["ours"] <= mem["twin"]),
    ]
    print("\ngoals:")
    for text, ok in goals:
        print(f"  {'met   ' if ok else 'MISSED'} {text}")
    return all(ok for _, ok in goals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=2, help="length of one measured wrk run, s (default 2)")
    ap.add_argument("--rounds", type=int, default=5, help="measured runs per endpoint, taking turns (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="warm-up run per endpoint, s (default 1)")
    ap.add_argument("--starts", type=int, default=3, help="cold starts per server (default 3)")
    ap.add_argument("--fair-seconds", type=int, default=10, help="length of one fairness wrk run, s (default 10)")
    ap.add_argument("--fair-rounds", type=int, default=3, help="fairness rounds, servers taking turns (default 3)")
    ap.add_argument("--fair-only", action="store_true", help="only the fairness table")
    ap.add_argument(
        "--pss-seconds", type=int, default=30, help="mixed load before the last PSS reading, s (default 30)"
    )
    ap.add_argument("--pss-only", action="store_true", help="only the memory budget's table (needs no twin)")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed; on Debian: apt-get install -y wrk", file=sys.stderr)
        return 2
    if not args.pss_only and not (TWIN_BIN / "uvicorn").exists():
        print(f"bench: the twin's environment {TWIN_BIN.parent} is missing; `make bench` makes it", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        if args.fair_only:
            fair_ok = fair_report(*run(args, tmp), args)
            shutil.rmtree(tmp)
            return 0 if fair_ok else 1
        if args.pss_only:
            pss_ok = pss_report(*run(args, tmp), args)
            shutil.rmtree(tmp)
            return 0 if pss_ok else 1
        res, cold, mem, procs, fair, pss = run(args, tmp)
    except BenchError as e:
        print(f"bench: {e}\n(server logs kept in {tmp})", file=sys.stderr)
        return 2
    shutil.rmtree(tmp)
    ok = report(res, cold, mem, procs, args)
    print()
    fair_ok = fair_report(*fair, args)
    print()
    return 0 if pss_report(*pss, args) and fair_ok and ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The speed benchmark. `make bench` (which runs `python bench/run.py`) prints one table in about a minute and a half.

It starts every server itself as the Procfile does (gunicorn, the repository's gunicorn.conf.py, 2 workers, loopback,
a free port), drives it with wrk (Debian package `wrk`: `apt-get install -y wrk`), and stops it:

- bare: bench/bare_app.py, a Flask endpoint returning a constant: the most any Flask app on this gunicorn can do;
- lecture: the service with BOSTON_ENGINE=sklearn, the lecture's way (the unpickled forest's `predict` per request);
- ours: the service as deployed (onnxruntime, the default engine);
- batch: ours, POST /predict with 1,000 instances; under the same load, and one request at a time (1 connection).

GET /predict carries all 13 features (the data set's first house). Each endpoint is warmed up, then measured with wrk
(2 threads, 8 connections) in rounds that take turns across the endpoints, so that whatever else the machine is doing
falls on all of them alike; a row's figures are the medians over the rounds. Cold start (process start to the first
200 on GET /predict) and memory per worker (PSS and private memory from /proc/PID/smaps_rollup, after the worker has
answered 200 requests and 5 batches) are the medians over three starts per engine, each server running alone.
Absolute figures depend on the machine: compare the ratios, all measured in one run.
Exit status: 0 when every goal is met, 1 when one is missed, 2 when the benchmark could not run.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "wrk.lua"
WORKERS, THREADS, CONNECTIONS, BATCH = 2, 2, 8, 1000


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
    """One gunicorn started as the Procfile starts it; `cold` is the seconds from process start to the first 200."""

    def __init__(self, app, engine, probe, logdir, timeout=60):
        self.app, self.port = app, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DYNO", "BOSTON_ENGINE", "GUNICORN_CMD_ARGS")}
        env.update(PORT=str(self.port), HOST="127.0.0.1", WEB_CONCURRENCY=str(WORKERS), **({"BOSTON_ENGINE": engine} if engine else {}))
        self.log = open(Path(logdir) / f"{engine or 'bare'}-{self.port}.log", "w+")
        start = time.monotonic()
        self.proc = subprocess.Popen([str(BIN / "gunicorn"), app], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"{app} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if fetch(self.url + probe, timeout=2)[0] == 200: break
            except OSError:
                pass
            if time.monotonic() > start + timeout:
                self.stop()
                raise BenchError(f"{app} did not answer within {timeout} s:\n{self.output()}")
            time.sleep(0.005)
        self.cold = time.monotonic() - start

    def output(self):
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def workers(self):
        """The worker processes' pids: the gunicorn master's children."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try: ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError): continue
            if ppid == self.proc.pid: pids.append(int(stat.parent.name))
        return pids

    def memory(self):
        """Mean over the workers of (PSS, private) memory in MB, from /proc/PID/smaps_rollup."""
        found, deadline = [], time.monotonic() + 10
        while len(pids := self.workers()) != WORKERS and time.monotonic() < deadline:
            time.sleep(0.02)  # the first worker may answer while the master still forks the others
        for pid in pids:
            kb = {}
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
                key, value = line.split(":", 1)
                kb[key] = int(value.split()[0])
            found.append((kb["Pss"] / 1024, (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024))
        if len(found) != WORKERS: raise BenchError(f"{self.app}: expected {WORKERS} workers, found {len(found)}")
        return tuple(statistics.mean(col) for col in zip(*found))

    def stop(self, grace=10):
        """SIGTERM the master (graceful); SIGKILL the process group if it is not gone within `grace` seconds."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try: self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                print(f"bench: {self.app} did not stop within {grace} s of SIGTERM; killed", file=sys.stderr)
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def wrk(url, seconds, connections=CONNECTIONS, threads=THREADS, body=None):
    """One wrk run: req/s, p50 and p99 in ms; any socket error or non-2xx answer stops the benchmark."""
    env = {**os.environ, "BENCH_BODY": str(body or "")}
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA), url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("BENCH ")), None)
    if out.returncode or line is None: raise BenchError(f"wrk failed on {url}:\n{out.stdout}\n{out.stderr}")
    s = json.loads(line[6:])
    bad = {k: s[k] for k in ("connect", "read", "write", "status", "timeout") if s[k]}
    if bad: raise BenchError(f"wrk saw errors or non-2xx answers on {url}: {bad}\n{out.stdout}")
    return dict(rps=s["requests"] / (s["duration_us"] / 1e6), p50=s["p50_us"] / 1000, p99=s["p99_us"] / 1000)


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def run(args, tmp):
    from boston_app.data import load_boston
    from boston_app.model import load_model
    X, _ = load_boston()
    names = load_model(ROOT / "model", engine="onnx").features
    query = "/predict?" + "&".join(f"{n}={v:g}" for n, v in zip(names, X[0]))
    body = tmp / "batch.json"
    body.write_bytes(json.dumps({"instances": [dict(zip(names, map(float, X[i % len(X)]))) for i in range(BATCH)]}).encode())
    sec, warm = args.seconds, args.warmup
    print(f"bench: {os.cpu_count()} CPUs; gunicorn, {WORKERS} workers; wrk -t{THREADS} -c{CONNECTIONS}; "
          f"{args.rounds} rounds of {sec} s per endpoint after {warm} s of warm-up", file=sys.stderr, flush=True)

    # Before and after: cold start and memory, each server alone, the engines taking turns.
    cold, mem, answers = {"sklearn": [], "onnx": []}, {"sklearn": [], "onnx": []}, {}
    for _ in range(args.starts):
        for engine in cold:
            s = Server("boston_app.app:app", engine, query, tmp)
            try:
                cold[engine].append(s.cold)
                for _ in range(200): answers[engine] = fetch(s.url + query)[1]["prediction"]
                for _ in range(5): assert fetch(s.url + "/predict", body.read_bytes())[0] == 200
                mem[engine].append(s.memory())
            finally:
                s.stop()
    if abs(answers["onnx"] - answers["sklearn"]) > 1e-4: raise BenchError(f"the engines disagree: {answers}")

    # Throughput and latency: the three servers up together, the load taking turns among the endpoints.
    servers = {}
    try:
        servers["bare"] = Server("bench.bare_app:app", None, "/predict", tmp)
        servers["lecture"] = Server("boston_app.app:app", "sklearn", query, tmp)
        servers["ours"] = Server("boston_app.app:app", "onnx", query, tmp)
        url = {k: s.url for k, s in servers.items()}
        plan = {"bare": (url["bare"] + query, {}), "lecture": (url["lecture"] + query, {}),
                "ours": (url["ours"] + query, {}), "batch": (url["ours"] + "/predict", {"body": body}),
                "batch1": (url["ours"] + "/predict", {"body": body, "connections": 1, "threads": 1})}
        for target, kw in plan.values(): wrk(target, warm, **kw)
        runs = {k: [] for k in plan}
        for _ in range(args.rounds):
            for key, (target, kw) in plan.items(): runs[key].append(wrk(target, sec, **kw))
    finally:
        for s in servers.values(): s.stop()
    return {k: median_of(v) for k, v in runs.items()}, cold, mem


def report(res, cold, mem, args):
    bare = res["bare"]["rps"]
    labels = {"bare": "bare Flask endpoint (a constant)",
              "lecture": "lecture-style GET /predict (scikit-learn)",
              "ours": "our GET /predict (onnxruntime)",
              "batch": f"batch: POST /predict, {BATCH:,} rows",
              "batch1": f"batch: POST /predict, {BATCH:,} rows, 1 connection"}
    print(f"| {'endpoint':<48} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'x bare':>6} |")
    print(f"|{'-' * 50}|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|")
    for key, label in labels.items():
        r = res[key]
        print(f"| {label:<48} | {r['rps']:>7,.0f} | {r['p50']:>7.2f} | {r['p99']:>7.2f} | {r['rps'] / bare:>6.2f} |")
    print()
    cs, co = statistics.median(cold["sklearn"]), statistics.median(cold["onnx"])
    ms, mo = (median_of([dict(pss=m[0], private=m[1]) for m in mem[e]]) for e in ("sklearn", "onnx"))
    print(f"| {'before (scikit-learn) and after (onnxruntime)':<48} | {'before':>7} | {'after':>7} | {'after/before':>12} |")
    print(f"|{'-' * 50}|{'-' * 8}:|{'-' * 8}:|{'-' * 13}:|")
    print(f"| {'cold start, process start to first 200, s':<48} | {cs:>7.2f} | {co:>7.2f} | {co / cs:>12.2f} |")
    print(f"| {'memory per worker, PSS, MB':<48} | {ms['pss']:>7.1f} | {mo['pss']:>7.1f} | {mo['pss'] / ms['pss']:>12.2f} |")
    print(f"| {'memory per worker, private, MB':<48} | {ms['private']:>7.1f} | {mo['private']:>7.1f} | "
          f"{mo['private'] / ms['private']:>12.2f} |")
    print(f"\nwrk -t{THREADS} -c{CONNECTIONS} (the 1-connection row: -t1 -c1), medians of {args.rounds} rounds of "
          f"{args.seconds} s each; batch under load: {res['batch']['rps'] * BATCH:,.0f} predictions/s. "
          f"Cold start and memory: medians of {args.starts} starts per engine.")
    goals = [
        (f"ours >= 0.85 x bare: {res['ours']['rps'] / bare:.2f} x", res["ours"]["rps"] >= 0.85 * bare),
        (f"ours >= 10 x lecture: {res['ours']['rps'] / res['lecture']['rps']:.1f} x",
         res["ours"]["rps"] >= 10 * res["lecture"]["rps"]),
        (f"batch of {BATCH:,}, median < 20 ms end to end (1 connection): {res['batch1']['p50']:.1f} ms",
         res["batch1"]["p50"] < 20),
        (f"cold start not worse by more than 10%: after/before {co / cs:.2f}", co <= 1.10 * cs),
        (f"memory per worker (PSS) not worse by more than 10%: after/before {mo['pss'] / ms['pss']:.2f}",
         mo["pss"] <= 1.10 * ms["pss"]),
    ]
    print("\ngoals:")
    for text, ok in goals: print(f"  {'met   ' if ok else 'MISSED'} {text}")
    return all(ok for _, ok in goals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=2, help="length of one measured wrk run, s (default 2)")
    ap.add_argument("--rounds", type=int, default=5, help="measured runs per endpoint, taking turns (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="warm-up run per endpoint, s (default 1)")
    ap.add_argument("--starts", type=int, default=3, help="cold starts per engine (default 3)")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed; on Debian: apt-get install -y wrk", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    try: res, cold, mem = run(args, tmp)
    except BenchError as e:
        print(f"bench: {e}\n(server logs kept in {tmp})", file=sys.stderr)
        return 2
    shutil.rmtree(tmp)
    return 0 if report(res, cold, mem, args) else 1


if __name__ == "__main__":
    sys.exit(main())

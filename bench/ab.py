"""A/B of one workload between checkouts of this repository, on the same machine in the same run.

    python bench/ab.py OTHER [OTHER...] [--rounds 5] [--seconds 5] [--workload batch|single]

Serves this checkout's `boston_app.app:app` and each OTHER checkout's (a folder: `git worktree add /tmp/before
HEAD~1` makes one), each as the Procfile does (gunicorn, 2 workers, that checkout's gunicorn.conf.py, the onnx
engine), and the FastAPI twin beside them; then, taking turns, `--rounds` wrk runs of `--seconds` each: `batch`,
POST /predict with 1,000 instances on 8 connections (predictions a second), or `single`, GET /predict on 8
(requests a second). Prints each round and the medians, as ratios to the twin. How a speed trick earns its place:
this checkout with it, OTHER without (docs/performance.md, Speed tricks).
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import run as b  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("others", nargs="+", type=Path, help="other checkouts of this repository")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--workload", choices=["batch", "single"], default="batch")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    query, body = b.workloads(tmp)  # the requests make bench sends
    servers = {}
    try:
        servers["this"] = b.gunicorn("this", "boston_app.app:app", query, tmp, engine="onnx")
        for other in args.others:
            d = other.resolve()
            conf = ["--chdir", str(d), "-c", str(d / "gunicorn.conf.py")]  # its code first on sys.path
            servers[str(other)] = b.gunicorn(d.name, "boston_app.app:app", query, tmp, engine="onnx", args=conf)
        servers["twin"] = b.uvicorn("twin", "bench.twin_app:app", query, tmp)
        url, kw, per = ("/predict", {"body": body}, b.BATCH) if args.workload == "batch" else (query, {}, 1)
        for s in servers.values():
            b.wrk(s.url + url, 1, connections=8, **kw)  # warm up
        runs = {name: [] for name in servers}
        for r in range(args.rounds):
            for name, s in servers.items():
                runs[name].append(per * b.wrk(s.url + url, args.seconds, connections=8, **kw)["rps"])
            print(f"round {r + 1}: " + ", ".join(f"{n} {v[-1]:,.0f}" for n, v in runs.items()), flush=True)
    finally:
        for s in servers.values():
            s.stop()
    unit = "predictions/s" if args.workload == "batch" else "req/s"
    twin = statistics.median(runs["twin"])
    this = statistics.median(runs["this"])
    for name, values in runs.items():
        m = statistics.median(values)
        print(f"{name}: median {m:,.0f} {unit}, {m / twin:.3f} of the twin's, {m / this:.3f} of this")


if __name__ == "__main__":
    main()

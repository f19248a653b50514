# gunicorn reads this file from the working directory: `gunicorn boston_app.app:app` (the Procfile) needs no flags.
# Every setting says why. The reference: https://docs.gunicorn.org/en/stable/settings.html
import atexit
import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path

import gevent


def _env_int(name, default, low, high):
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or not low <= int(raw) <= high:
        sys.exit(f"gunicorn.conf.py: {name} must be a whole number from {low} to {high}, got {raw!r}")
    return int(raw)


# Heroku sets DYNO (for example `web.1`) on every dyno; locally it is unset.
ON_HEROKU = "DYNO" in os.environ

# Where to listen. Heroku gives the port in PORT and its newer (Fir) dynos speak only IPv6, so a dyno listens on every
# interface, IPv6 and IPv4 alike (`[::]`). Locally we listen on loopback only, unless HOST says otherwise.
bind = f"{os.environ.get('HOST') or ('[::]' if ON_HEROKU else '127.0.0.1')}:{_env_int('PORT', 5000, 1, 65535)}"


# The worker model. A gevent worker serves many connections at once, each in a greenlet (a very light thread) that
# steps aside whenever it waits for the network. A client that is slow, idle or gone costs one greenlet, not a worker:
# gunicorn's default `sync` worker gives each connection a whole process until it is done, so two silent sockets stop
# two sync workers and every other client waits. A prediction takes microseconds of CPU, so nothing else waits long.
# FairGeventWorker (boston_app/serving.py) is gunicorn's gevent worker with three changes for the open internet:
# connections take turns after each answer; on SIGTERM idle kept-alive connections close at once; and a batch's
# work (tens of ms of CPU) runs on a thread of the worker's own, so the connections beside it are not kept waiting.
worker_class = "boston_app.serving.FairGeventWorker"
workers = _env_int("WEB_CONCURRENCY", 2, 1, 64)  # processes; Heroku's buildpack sets WEB_CONCURRENCY=2 on 512 MB dynos
worker_connections = 1000  # connections one worker holds at once (gunicorn's default); more wait in the listen queue

# How long a connection may sit without a complete request: idle between two requests (keep-alive), or still sending
# its headers. On a dyno only Heroku's router connects, and Router 2.0 closes idle connections after 90 s: waiting
# 95 s means the router always closes first, so it never sends a request down a connection we are closing.
# Locally clients connect directly, and 5 s (gunicorn's advice for direct clients) frees a silent socket soon.
keepalive = 95 if ON_HEROKU else 5

# Once its headers are in, a request has REQUEST_SECONDS to send its body and take its answer. A client that stalls
# longer gets 408 (the app's answer; see pre_request below) and its connection is closed after `keepalive`.
# 10 s is a third of the 30 s Heroku's router gives a request, and lets a 1 MiB body arrive at 1 Mbit/s.
REQUEST_SECONDS = 10

preload_app = True  # load and verify the model once, in the master, before forking: workers share its memory
timeout = 30  # a worker silent this long (its CPU stuck) is killed and replaced; Heroku's router gives a request 30 s
graceful_timeout = 25  # after SIGTERM, in-flight requests get this long; Heroku sends SIGKILL 30 s after SIGTERM

# Header names with `_` (SCRIPT_NAME, PATH_INFO, ...) would let a client rewrite the app's routing and every URL it
# generates. gunicorn maps them into the WSGI environ only from `forwarded_allow_ips` (Heroku sets it to `*`, anyone):
# we have no proxy that sets them, so none is mapped, from anyone.
forwarder_headers = ""
# X-Forwarded-Proto and friends are believed only from a proxy. Locally there is none; on a dyno the router is the only
# peer and sets them itself (Heroku's buildpack sets FORWARDED_ALLOW_IPS='*', which gunicorn reads on its own).
if not ON_HEROKU:
    forwarded_allow_ips = ""

# Logs go to standard output, where Heroku collects them. One access line per request in logfmt (key=value, as
# Heroku's router logs): duration in milliseconds; client is the address the request came from (on a dyno, the one
# the router saw); request_id is the X-Request-Id the answer carries, the router's or one the app made.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = (
    'method=%(m)s path="%(U)s" status=%(s)s duration=%(M)sms bytes=%(B)s client=%(h)s '
    'request_id=%({x-request-id}o)s user_agent="%(a)s"'
)

# Metrics (boston_app/metrics.py, lesson 09). Each worker counts its own requests. prometheus_client's multiprocess
# mode keeps every process's counts in files in one folder, so GET /metrics, whichever worker answers it, adds them up.
# It reads PROMETHEUS_MULTIPROC_DIR once, when first imported, and preload_app imports the app (and with it
# prometheus_client) right after this file is read: so the folder is settled here, first.
MASTER_PID = os.getpid()  # gunicorn's master reads this file, before it forks any worker


def _delete_metrics_dir(folder):
    """At exit: delete the metrics folder this file made. Workers inherit the atexit hook; only the master acts."""
    if os.getpid() == MASTER_PID:
        shutil.rmtree(folder, ignore_errors=True)


if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # unset or empty: no folder named, so we make one
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="boston-metrics-")  # new, empty, ours alone
    # deleted however the master exits short of SIGKILL: a stop, or an app that cannot start (no on_exit then)
    atexit.register(_delete_metrics_dir, os.environ["PROMETHEUS_MULTIPROC_DIR"])
METRICS_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
METRICS_DIR.mkdir(parents=True, exist_ok=True)  # a folder the operator named may not exist yet
# Counts start at zero with each start: files an earlier run left would be added in. Only prometheus_client's own
# files (*.db) go. gunicorn reads this file again on SIGHUP, so a reload starts the counts again too; Prometheus's
# rate() takes a counter that drops to zero as a restart.
for stale in METRICS_DIR.glob("*.db"):
    stale.unlink()

# gunicorn 25+ opens a management socket in $HOME by default; a dyno needs none, and several local servers would
# share it.
control_socket_disable = True


def pre_fork(server, worker):
    """Just before the master forks a worker: move every object it holds (the app, the model, the explainer's arrays,
    all of them made under preload_app) out of the garbage collector's reach. A worker shares those pages with the
    master until it writes to one, and a full collection would write into every object it checks: frozen, they stay
    shared. It saves about 17 MiB of PSS for the master and 2 workers (`python bench/run.py --pss-only`)."""
    gc.freeze()


def post_worker_init(worker):
    """Say when a worker is ready: its signal handlers are in place and it is about to accept connections (a SIGTERM
    that reaches a worker before this point is lost, and the master waits graceful_timeout for it)."""
    worker.log.info("Worker ready (pid: %s)", worker.pid)


def pre_request(worker, req):
    """Start the request's deadline: REQUEST_SECONDS from now, whatever is still waiting on the client (reading the
    body, writing the answer) raises TimeoutError, which the app answers with 408."""
    req.deadline = gevent.Timeout(REQUEST_SECONDS, TimeoutError(f"the request took over {REQUEST_SECONDS} s"))
    req.deadline.start()


def post_request(worker, req, environ, resp):
    """The request is answered: cancel its deadline."""
    req.deadline.close()


def worker_exit(server, worker):
    """End a finished worker at once, keeping its exit status.

    onnxruntime's C++ exit handlers deadlock in a process forked after its import (preload_app imports it in the
    master), so a worker would hang on exit until graceful_timeout and be killed: every SIGTERM (each deploy, restart
    or scale-down on Heroku) would take 25 s. The worker has finished its requests and gunicorn its cleanup here.
    """
    exc = sys.exc_info()[1]  # the SystemExit on its way out of the worker
    code = exc.code if isinstance(exc, SystemExit) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def child_exit(server, worker):
    """A worker has exited (called in the master): prometheus_client drops its live gauges. Its counters and
    histograms stay in the folder, so the totals /metrics shows never go down when a worker is replaced."""
    from prometheus_client import multiprocess  # here, not on top: only after PROMETHEUS_MULTIPROC_DIR is set

    multiprocess.mark_process_dead(worker.pid)

"""Shared fixtures: the app and its test client (Flask's tutorial style), real gunicorn on loopback, a real browser."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import pytest
import requests

from boston_app.app import create_app

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "model"
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI") == "true"


def need(tool, why):
    """Skip when `tool` is missing on a user's machine; fail in CI, where .ci/run installs it."""
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"{tool} is missing in CI ({why}); .ci/run should have installed it")
        pytest.skip(f"{tool} is not installed ({why}); `apt-get install {tool}` to run this test")
    return path


@pytest.fixture(scope="session")
def app():
    return create_app({"MODEL_DIR": MODEL_DIR})


@pytest.fixture(scope="session")
def client(app):
    return app.test_client()


def pss_kib(pid):
    """Proportional set size of one process in KiB (shared pages divided among the processes sharing them)."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1))


def children(pid):
    """The pids of process `pid`'s children (a gunicorn master's workers), sorted; none once it has exited."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return sorted(int(p) for p in text.split())


def wait_for_workers(master, n, timeout=10):
    """The pids of gunicorn master `master`'s workers once there are `n` of them (the first worker may answer
    /health while the master is still forking the others); fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while len(pids := children(master)) != n:
        if time.monotonic() > deadline:
            raise AssertionError(f"gunicorn master {master} has {len(pids)} workers after {timeout} s, not {n}")
        time.sleep(0.02)
    return pids


def wait_until_ready(read_log, n, timeout=10):
    """Wait until `n` workers have logged "Worker ready" (gunicorn.conf.py's post_worker_init): from then on each
    has its signal handlers. A worker can answer /health before its sibling is ready."""
    deadline = time.monotonic() + timeout
    while read_log().count("Worker ready") < n:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {n} workers ready after {timeout} s")
        time.sleep(0.02)


def host_port(url):
    """(host, port) of a server's base URL such as http://127.0.0.1:5000, for raw sockets."""
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


_PORTS_GIVEN = set()  # ports handed out in this session: servers started at once never get the same one


def free_port():
    """A loopback port nothing listens on now, and not handed out before in this session."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _PORTS_GIVEN:
            _PORTS_GIVEN.add(port)
            return port


class Server:
    """A gunicorn process started as the Procfile starts it, bound to loopback; `url` is its base URL."""

    def __init__(self, proc, url, log):
        self.proc, self.url, self.log = proc, url, log

    def get(self, path, **kw):
        return requests.get(self.url + path, timeout=10, **kw)

    def post(self, path, **kw):
        return requests.post(self.url + path, timeout=10, **kw)

    def output(self):
        return Path(self.log.name).read_text(errors="replace")

    def size(self):
        """The log's length in bytes: an offset for `errors`."""
        return os.path.getsize(self.log.name)

    def errors(self, since=0):
        """`server_errors` of the log from byte `since` on."""
        with open(self.log.name, "rb") as f:
            f.seek(since)
            return server_errors(f.read().decode(errors="replace"))


FAILURE_SIGNS = ["Traceback", "unexpected error", "[ERROR]"]  # a traceback, the app's line, gunicorn's error level


def server_errors(log):
    """The lines of a gunicorn log that show a failure: a 5xx answer in the logfmt access log (gunicorn.conf.py's
    access_log_format), a traceback, the app's "unexpected error" line, or gunicorn's [ERROR] level."""
    return [
        line
        for line in log.splitlines()
        if re.search(r"(^|\s)status=5\d\d(\s|$)", line) or any(sign in line for sign in FAILURE_SIGNS)
    ]


def refuse_in_fast_loop(what):
    """Fail the calling test under `make check` (BOSTON_NO_SERVERS=1), which starts no process: a test that starts
    `what` is slow and must say so (the root conftest.py leaves tests marked slow out of the fast loop)."""
    if os.environ.get("BOSTON_NO_SERVERS") == "1":
        pytest.fail(f"this test starts {what}: mark it @pytest.mark.slow (make check starts no process)", False)


def wait_for_health(proc, url, read_log, timeout=30):
    """Seconds from now until `url`/health answers 200, while `proc` (a server just started) keeps running; fails
    with the server's log (`read_log()`) when it exits or does not answer within `timeout` seconds."""
    started = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{read_log()}")
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return time.monotonic() - started
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or workers still booting
            pass
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{proc.args[0]} did not answer /health within {timeout} s:\n{read_log()}")
        time.sleep(0.05)


def start_server(env=None, args=(), cwd=ROOT, wait=True, timeout=30, app="boston_app.app:app", command=None):
    """Start `gunicorn APP` (config from cwd/gunicorn.conf.py; `app` defaults to the service) on a free loopback
    port, or `command` (a list, run as given) with the same environment, and wait until /health answers and every
    worker is ready. `server.boot` is the seconds from start to the first 200."""
    refuse_in_fast_loop("gunicorn")
    port = free_port()
    # A log file of its own, whatever the port: two servers must never write into one file.
    log = tempfile.NamedTemporaryFile(  # closed by stop_server
        "w+", prefix=f"gunicorn-{port}-", suffix=".log", dir=os.environ.get("TMPDIR", "/tmp"), delete=False
    )
    full_env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": "2", **(env or {})}
    proc = subprocess.Popen(
        command or [str(BIN / "gunicorn"), *args, app],
        cwd=cwd,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    if wait:
        try:
            server.boot = wait_for_health(proc, server.url, server.output, timeout)
        except RuntimeError:
            stop_server(server)
            raise
        if full_env["WEB_CONCURRENCY"].isdigit():
            wait_for_workers(proc.pid, int(full_env["WEB_CONCURRENCY"]))
            wait_until_ready(server.output, int(full_env["WEB_CONCURRENCY"]))
    return server


def stop_server(server, timeout=30):
    """SIGTERM the gunicorn master (graceful), SIGKILL its group if it lingers."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()
    server.log.close()


_LIVE = []  # the session's live server, once a test has asked for it


@pytest.fixture(scope="session")
def live_server():
    """One real gunicorn (2 workers, the repository's gunicorn.conf.py) for the session, shared by every test that
    asks for it; the check below holds each of those tests to it never answering 5xx."""
    server = start_server()
    _LIVE.append(server)
    yield server
    _LIVE.clear()
    stop_server(server)
    # The whole log once more at the end: it also holds what a worker logged after its test's check had read it.
    failures = server_errors(server.output())
    assert not failures, f"the live server's log: {failures[:5]}"


@pytest.fixture(autouse=True)
def live_server_never_answers_500():
    """After each test, the live server's log since the test began shows no 5xx answer and no traceback, whichever
    file the test is in and in whatever order the tests run (a test that starts the live server is checked from its
    start). A worker writes its access line just after it answers, so a line can land after its test's check: the
    whole log is read again when the live server stops. Tests of deliberate failures start servers of their own."""
    since = _LIVE[0].size() if _LIVE else 0
    yield
    if _LIVE:  # what the log gained during the test (a line a worker writes late is read at the session's end)
        assert not _LIVE[0].errors(since), _LIVE[0].errors(since)[:5]


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright."""
    chromium = need("chromium", "the form is tested in a real browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(request):
    """Print a measured figure to the terminal, past pytest's output capture (`make test` shows it), tagged with
    the test module's name: `[deploy] ...` from test_deploy.py."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    tag = request.module.__name__.removeprefix("test_")

    def write(line):
        with capture.global_and_fixture_disabled():
            print(f"\n[{tag}] {line}", flush=True)

    return write


def read_response(sock):
    """One HTTP response with a Content-Length from `sock`: (status line, headers dict, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return lines[0], headers, body


# tarfile's "data" filter (no links or paths out of the folder) exists from Python 3.11.4 and 3.12 on; 3.11.2 lacks it
SAFE_TAR = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}

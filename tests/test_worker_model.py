"""The worker model against real gunicorn processes: slow and idle clients cannot stop the service, connections are
kept alive, and every held connection is closed after the time gunicorn.conf.py states.

The four shapes of a held connection, 64 of each: nothing sent; part of the headers; whole headers with a
Content-Length larger than the body sent; a whole request whose answer is never read and whose socket is never
closed. All 256 are held at once; while they are, another client's GET /health answers within 1 s (under the
default sync worker it waited for gunicorn's 30 s worker timeout). Each is then watched until the server closes it.
"""

import http.client
import json
import os
import runpy
import socket
import threading
import time

import pytest
import requests
from gunicorn.util import load_class
from gunicorn.workers.ggevent import GeventWorker

from conftest import ROOT, host_port, read_response, start_server, stop_server

pytestmark = pytest.mark.slow


def read_conf(**env):
    """gunicorn.conf.py's settings, read with `env` added, as gunicorn reads them; this process's environment is left
    as it was (the file names a metrics folder in PROMETHEUS_MULTIPROC_DIR, which later notebook kernels would
    inherit)."""
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"), run_name="gunicorn_conf")
    finally:
        os.environ.clear()
        os.environ.update(saved)


CONF = read_conf()  # the settings a local run uses
KEEPALIVE = CONF["keepalive"]  # s: idle, or still sending headers
REQUEST_SECONDS = CONF["REQUEST_SECONDS"]  # s: from the headers to the whole body and the answer
HELD = 64
SLACK = 2.5  # s: how late a close may come past its stated time on a busy 2-core machine

SHAPES = {
    "nothing-sent": b"",
    "part-of-the-headers": b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slo",
    "body-shorter-than-content-length": (
        b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"CRIM": '
    ),
    "answer-never-read": b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
}
# When the server closes each shape, in seconds after its last byte arrived: (not before, not after).
CLOSED_BETWEEN = {
    "nothing-sent": (KEEPALIVE - 0.5, KEEPALIVE + SLACK),
    "part-of-the-headers": (KEEPALIVE - 0.5, KEEPALIVE + SLACK),
    # 408 at REQUEST_SECONDS; then gunicorn waits up to `keepalive` for the rest of the body before it closes
    "body-shorter-than-content-length": (REQUEST_SECONDS - 0.5, REQUEST_SECONDS + KEEPALIVE + SLACK),
    "answer-never-read": (KEEPALIVE - 0.5, KEEPALIVE + SLACK),
}


@pytest.fixture(scope="module")
def server():
    s = start_server()
    yield s
    stop_server(s)


def read_until_closed(sock, limit):
    """Everything the server sends until it closes the connection; None if it is still open after `limit` s."""
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return data


def health_seconds(url):
    """Seconds another client waits for GET /health (fails if over 1 s)."""
    started = time.monotonic()
    r = requests.get(url + "/health", timeout=1)
    assert r.status_code == 200
    return time.monotonic() - started


@pytest.fixture(scope="module")
def held(server):
    """Hold 64 connections of every shape at once (256 in all), ask GET /health five times while they are held, then
    watch each connection until the server closes it (all at once: the run takes the longest shape's time, not the
    sum of the four). Returns the /health waits, and for each shape the seconds until each of its connections was
    closed after its last byte went out (None if still open) and what the server sent on it. Beside them, one
    keep-alive connection whose answer was read, idle from then on: the seconds until the server closed it."""
    socks = {shape: [] for shape in SHAPES}
    sent = {}
    idle = socket.create_connection(host_port(server.url), timeout=10)
    try:
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        read_response(idle)
        answered = time.monotonic()
        idle_closed = []
        idle_watch = threading.Thread(
            target=lambda: idle_closed.append((read_until_closed(idle, KEEPALIVE + SLACK + 5), time.monotonic()))
        )
        idle_watch.start()
        for shape, data in SHAPES.items():
            for _ in range(HELD):
                sock = socket.create_connection(host_port(server.url), timeout=10)
                sock.sendall(data)
                socks[shape].append(sock)
            sent[shape] = time.monotonic()
        waits = [health_seconds(server.url) for _ in range(5)]  # while all 256 are held
        seen = {shape: [] for shape in SHAPES}

        def watch(shape, sock):
            data = read_until_closed(sock, CLOSED_BETWEEN[shape][1] + 5)
            seen[shape].append((time.monotonic() - sent[shape] if data is not None else None, data))

        watchers = [threading.Thread(target=watch, args=(shape, s)) for shape in SHAPES for s in socks[shape]]
        for w in watchers:
            w.start()
        for w in watchers:
            w.join()
        idle_watch.join()
    finally:
        for sock in (s for group in socks.values() for s in group):
            sock.close()
        idle.close()
    ((data, closed_at),) = idle_closed
    return waits, seen, (data, closed_at - answered)


def test_held_connections_do_not_stop_the_service(held, server):
    waits, _, _ = held
    # The worker model's promise: held connections never stop the service. /health takes 4-8 ms with 64 held of
    # each shape; a worker blocked by them would make it wait keepalive (5 s) or more. 1 s is over 100x the measured
    # time and well under the failure, so scheduling delays on a busy 2-core machine do not reach it.
    assert max(waits) < 1, waits
    assert health_seconds(server.url) < 1  # the same bound, after they are gone


@pytest.mark.parametrize("shape", SHAPES)
def test_held_connections_do_not_stay_open(held, shape):
    closed, answers = zip(*held[1][shape])
    assert len(closed) == HELD and None not in closed, f"{closed.count(None)} of {HELD} connections still open"
    low, high = CLOSED_BETWEEN[shape]
    # Closed on time: not before its stated time less 0.5 s (a close that early would be another timer), and not
    # after it plus SLACK (2.5 s), the most a busy 2-core machine has been seen to delay a close (up to 1.2 s).
    assert low <= min(closed) and max(closed) <= high, (min(closed), max(closed), (low, high))
    if shape == "body-shorter-than-content-length":
        for data in answers:  # the app answered the stalled body, in its error shape, naming the field
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408 "), head
            assert json.loads(body)["error"]["fields"] == {"body": "did not arrive in time"}
    elif shape == "answer-never-read":
        assert all(data.startswith(b"HTTP/1.1 200 ") for data in answers)  # it was answered, then dropped
    else:
        assert set(answers) == {b""}  # closed without a word: there was no request to answer


def test_two_requests_travel_over_one_connection(server):
    """HTTP/1.1 keep-alive: the second request goes over the socket the first used, and the server keeps it."""
    with socket.create_connection(host_port(server.url), timeout=10) as sock:
        local = sock.getsockname()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, headers, _ = read_response(sock)
        assert status == "HTTP/1.1 200 OK" and headers.get("connection", "").lower() != "close"
        sock.sendall(b"GET /predict?RM=6.5 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, headers, body = read_response(sock)
        assert status == "HTTP/1.1 200 OK" and "prediction" in json.loads(body)
        assert sock.getsockname() == local
        # and a client's `Connection: close` is honoured
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        read_response(sock)
        assert read_until_closed(sock, 5) == b""


def test_http_client_reuses_its_connection(server):
    """What a Python client sees: `http.client` sends 20 requests, GET and POST, over one connection."""
    conn = http.client.HTTPConnection(*host_port(server.url), timeout=10)
    ports = set()
    for i in range(20):
        if i % 2:
            conn.request("POST", "/predict", body=b'{"RM": 6.5}', headers={"Content-Type": "application/json"})
        else:
            conn.request("GET", "/predict?RM=6.5")
        r = conn.getresponse()
        assert r.status == 200 and "prediction" in json.loads(r.read())
        ports.add(conn.sock.getsockname()[1])  # http.client reconnects (a new port) if the server closed
    conn.close()
    assert len(ports) == 1, ports


def test_idle_keep_alive_connection_closed_after_keepalive(held):
    data, idle = held[2]
    assert data == b""  # closed without a word
    assert KEEPALIVE - 0.5 <= idle <= KEEPALIVE + SLACK, idle  # the margins of CLOSED_BETWEEN, for the same reason


def test_keepalive_fits_herokus_router():
    """On a dyno only Heroku's router connects; Router 2.0 closes idle connections after 90 s, so the dyno must wait
    longer (else the router may send a request down a connection the dyno is closing). Locally: gunicorn's advice
    for direct clients, a few seconds."""
    assert KEEPALIVE <= 5  # CONF was read without DYNO set
    dyno = read_conf(DYNO="web.1")
    assert dyno["keepalive"] > 90
    assert dyno["bind"].startswith("[::]:")  # Fir dynos are IPv6-only
    assert issubclass(load_class(CONF["worker_class"]), GeventWorker)  # as gunicorn resolves the name
    assert REQUEST_SECONDS < 30  # within the router's 30 s for a request

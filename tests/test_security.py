"""What a security review checks: no debug mode or interactive debugger in any served configuration, the security
headers on every response (errors and static files included), Jinja autoescaping, and request size limits."""

import os
import socket
import subprocess
import textwrap

import pytest
import requests

from boston_app.app import create_app
from boston_app.serving import SECURITY_HEADERS
from conftest import BIN, MODEL_DIR, ROOT, free_port, start_server, stop_server

DEBUGGER_MARKS = (
    "Traceback",
    "Werkzeug Debugger",
    "__debugger__",
    "console.png",
    "The debugger caught an exception",
    'File "/',
)


def assert_secure_headers(headers):
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (name, headers.get(name))
    csp = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert (
        "unsafe-inline" not in headers["Content-Security-Policy"]
        and "unsafe-eval" not in headers["Content-Security-Policy"]
    )
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"


# ------------------------------------------------------------------------------------------ headers everywhere

RESPONSES = [  # (method, path, keyword arguments, expected status)
    ("GET", "/", {}, 200),
    ("POST", "/", {"data": {"CRIM": "0.1"}}, 200),
    ("POST", "/", {"data": {"CRIM": "x"}}, 400),
    ("POST", "/", {"json": {"CRIM": 1}}, 415),
    ("POST", "/", {"data": {"CRIM": "1" * (2 << 20)}}, 413),
    ("GET", "/predict?CRIM=0.1", {}, 200),
    ("GET", "/predict?CRIM=x", {}, 400),
    ("POST", "/predict", {"json": {"CRIM": 0.1}}, 200),
    ("POST", "/predict", {"data": "x", "headers": {"Content-Type": "text/plain"}}, 415),
    ("POST", "/predict", {"data": b"1" * (2 << 20), "headers": {"Content-Type": "application/json"}}, 413),
    ("GET", "/health", {}, 200),
    ("GET", "/model", {}, 200),
    ("GET", "/openapi.json", {}, 200),
    ("GET", "/static/style.css", {}, 200),
    ("GET", "/static/missing.css", {}, 404),
    ("GET", "/no/such/page", {}, 404),
    ("DELETE", "/predict", {}, 405),
    ("PUT", "/", {}, 405),
    ("OPTIONS", "/predict", {}, 200),
    ("HEAD", "/", {}, 200),
]


@pytest.mark.parametrize("method,path,kw,status", RESPONSES, ids=[f"{m} {p[:30]} {s}" for m, p, _, s in RESPONSES])
def test_security_headers_on_every_response(live_server, method, path, kw, status):
    r = requests.request(method, live_server.url + path, timeout=10, **kw)
    assert r.status_code == status
    assert_secure_headers(r.headers)
    assert not any(m in r.text for m in DEBUGGER_MARKS)


def test_static_files_are_served_as_their_type(live_server):
    r = live_server.get("/static/style.css")
    assert r.headers["Content-Type"].startswith("text/css")
    assert live_server.get("/static/../model/model.json").status_code == 404
    assert live_server.get("/static/%2e%2e/model/model.json").status_code == 404


# ------------------------------------------------------------------------------------------ no debug mode


def test_app_is_never_in_debug_mode_even_with_flask_debug(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"MODEL_DIR": MODEL_DIR})
    assert app.debug is False and app.config["DEBUG"] is False
    assert not app.config["PROPAGATE_EXCEPTIONS"] and not app.testing


def test_forced_error_in_app_shows_no_traceback():
    app = create_app({"MODEL_DIR": MODEL_DIR})
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert r.json == {"error": {"message": "internal error; the server logged it", "fields": {}}}
    assert_secure_headers(r.headers)
    assert not any(m in r.get_data(as_text=True) for m in DEBUGGER_MARKS)


# A gunicorn config that is the repository's own plus a route that always fails, added in each worker after fork.
BOOM_CONF = textwrap.dedent("""\
    exec(open({conf!r}).read())

    def post_fork(server, worker):
        app = server.app.wsgi()
        app.add_url_rule('/boom', 'boom', lambda: 1 / 0)
""")


@pytest.mark.slow
def test_forced_error_under_gunicorn_shows_no_traceback_and_logs_it(tmp_path):
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text(BOOM_CONF.format(conf=str(ROOT / "gunicorn.conf.py")))
    server = start_server(args=("-c", str(conf)))
    try:
        r = server.get("/boom")
        log = server.output()
    finally:
        stop_server(server)
    assert r.status_code == 500
    assert r.json() == {"error": {"message": "internal error; the server logged it", "fields": {}}}
    assert_secure_headers(r.headers)
    assert not any(m in r.text for m in DEBUGGER_MARKS)
    assert "unexpected error on GET /boom" in log and "ZeroDivisionError" in log  # the traceback goes to the log


@pytest.mark.parametrize("path", ["/console", "/?__debugger__=yes&cmd=resource&f=style.css", "/__debugger__"])
def test_no_debugger_endpoints(live_server, path):
    r = live_server.get(path)
    assert r.status_code in (200, 404)
    assert not any(m in r.text for m in DEBUGGER_MARKS)
    assert_secure_headers(r.headers)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["flask run --debug", "FLASK_DEBUG=1 flask run", "FLASK_DEBUG=1 gunicorn"])
def test_debug_mode_refused_at_startup(how):
    """Under `flask run`, debug mode means Werkzeug's interactive debugger (Python in the browser): refused."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    env.pop("FLASK_DEBUG", None)
    if how.startswith("FLASK_DEBUG=1"):
        env["FLASK_DEBUG"] = "1"
    if how.endswith("gunicorn"):
        cmd = [str(BIN / "gunicorn"), "boston_app.app:app"]
    else:
        cmd = [str(BIN / "flask"), "--app", "boston_app.app", "run", "--port", str(port)]
        if "--debug" in how:
            cmd.append("--debug")
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert run.returncode != 0
    assert lines == [
        "boston_app: cannot start: FLASK_DEBUG is set; debug mode and its interactive debugger are "
        "never served; unset FLASK_DEBUG"
    ], lines
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


# ------------------------------------------------------------------------------------------ templates


def test_jinja_autoescapes_the_form(app):
    assert app.jinja_env.autoescape("main.html") is True
    for template in (ROOT / "templates").glob("*.html"):
        text = template.read_text()
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text and "Markup" not in text


def test_echoed_markup_is_escaped_in_the_form(client):
    attack = '"><script>alert(1)</script>'
    r = client.post("/", data={"CRIM": attack, attack: "1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert attack not in html and "<script>" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ------------------------------------------------------------------------------------------ size limits


def test_request_size_limits_configured(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1 << 20  # BOSTON_MAX_BODY, 1 MiB by default
    assert app.config["MAX_FORM_MEMORY_SIZE"] and app.config["MAX_FORM_PARTS"]


def test_body_limit_follows_boston_max_body(monkeypatch):
    monkeypatch.setenv("BOSTON_MAX_BODY", "2048")
    small = create_app({"MODEL_DIR": MODEL_DIR}).test_client()
    ok = small.post("/predict", data=b'{"CRIM": 0.1}' + b" " * 2000, content_type="application/json")
    big = small.post("/predict", data=b'{"CRIM": 0.1}' + b" " * 2100, content_type="application/json")
    assert ok.status_code == 200
    assert big.status_code == 413 and big.json["error"]["fields"] == {"body": "is over the 2048 byte limit"}


@pytest.mark.parametrize(
    "headers,status",
    [
        ([f"X-H{i}: 1" for i in range(200)], 431),  # gunicorn: at most 100 header fields
        (["X-Big: " + "a" * 9000], 431),  # gunicorn: a header line of at most 8190 bytes
    ],
    ids=["200 headers", "9000-byte header"],
)
def test_gunicorn_header_limits(live_server, headers, status):
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(
            (
                "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "".join(h + "\r\n" for h in headers)
                + "\r\n"
            ).encode()
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert data.startswith(f"HTTP/1.1 {status} ".encode())
    assert b"Traceback" not in data
    assert live_server.get("/health").status_code == 200

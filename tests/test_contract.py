"""Issue 3's contract, end to end: the query endpoint, the JSON API, the form, health, model card and OpenAPI, and
the validation rules on every surface; issue 11's additions: the 90% interval on every answer, `/explain` (the same
validation and errors as `/predict`, contributions that add up to the prediction) and the form's range and charts.

Every test runs twice: against the real gunicorn (`live_server`, the Procfile's command on loopback) and through
Flask's test client (fast, in-process). Feature names, medians, domains and training ranges come from the served
model card (`GET /model`); the only names typed here are the lecture's own examples (CRIM, RM, AGE, DIS, NOX, NOAX,
CHAS) and the rules' examples from the issue.
"""

import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import jsonschema
import pytest
import requests
from flask import Flask

from boston_app import api
from boston_app.app import create_app
from boston_app.speed import load_model  # the served app's loader
from conftest import need, server_errors

ROOT = Path(__file__).resolve().parent.parent
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LECTURE_URL = "/predict?CRIM=0.0006&RM=6.5&AGE=65&DIS=5"
LECTURE_INPUTS = {"CRIM": 0.0006, "RM": 6.5, "AGE": 65.0, "DIS": 5.0}
MAX_BATCH = 1000  # the documented defaults (docs/api.md, "Using the service")
MAX_BODY = 1 << 20


# ---------------------------------------------------------------- two transports, one interface


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self):
        return self.body.decode("utf-8")

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def mimetype(self):
        return self.headers.get("Content-Type", "").split(";")[0].strip()


class Live:
    """The real gunicorn, over HTTP."""

    def __init__(self, server):
        self.url = server.url

    def request(self, method, path, data=None, headers=None):
        r = requests.request(method, self.url + path, data=data, headers=headers, timeout=30)
        return Answer(r.status_code, r.headers, r.content)


class InProcess:
    """Flask's test client: the same app, no sockets."""

    def __init__(self, client):
        self.client = client

    def request(self, method, path, data=None, headers=None):
        r = self.client.open(path, method=method, data=data, headers=headers or {})
        return Answer(r.status_code, r.headers, r.get_data())


@pytest.fixture(params=["gunicorn", "test-client"])
def http(request):
    if request.param == "gunicorn":
        transport = Live(request.getfixturevalue("live_server"))
    else:
        transport = InProcess(request.getfixturevalue("client"))
    yield transport
    # Whatever a test sent, the server keeps serving.
    assert transport.request("GET", "/health").status == 200


@pytest.fixture
def card(http):
    return http.request("GET", "/model").json


@pytest.fixture(scope="session")
def local_model(live_server):
    """The committed model, loaded here with the engine the server reports, to check the server's arithmetic."""
    engine = live_server.get("/health").json()["engine"]
    return load_model(ROOT / "model", engine)


def names(card):
    return [f["name"] for f in card["features"]]


def medians(card):
    return {f["name"]: f["median"] for f in card["features"]}


# ---------------------------------------------------------------- reading the form page


class Page(HTMLParser):
    """What a person sees on the form page: inputs, labels, errors beside fields, the prediction, warnings."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.html, self.inputs, self.labels, self.errors, self.other_errors = html, {}, {}, {}, []
        self.prediction = self.message = self.range = None
        self.warnings, self.captions, self.selects, self._capture = [], [], {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "input" and "name" in a:
            self.inputs[a["name"]] = a
        if tag == "select":
            self.selects[a["name"]] = dict(a, options=[], selected=None)
            self._select = a["name"]
        if tag == "option":
            self.selects[self._select]["options"].append(a["value"])
            if "selected" in a:
                self.selects[self._select]["selected"] = a["value"]
        kind = (
            "label"
            if tag == "label"
            else "caption"
            if tag == "figcaption"
            else "range"
            if a.get("id") == "range"
            else "prediction"
            if a.get("id") == "prediction"
            else "error"
            if "error" in classes
            else "warning"
            if "warning" in classes
            else "message"
            if "message" in classes
            else None
        )
        if kind and self._capture is None:
            self._capture = (tag, kind, a.get("for") or a.get("id"), [])

    def handle_data(self, data):
        if self._capture:
            self._capture[3].append(data)

    def handle_endtag(self, tag):
        if self._capture and tag == self._capture[0]:
            _, kind, ident, parts = self._capture
            text, self._capture = " ".join("".join(parts).split()), None
            if kind == "label":
                self.labels[ident] = text
            elif kind == "error" and ident and ident.endswith("-error"):
                self.errors[ident[: -len("-error")]] = text
            elif kind == "error":
                self.other_errors.append(text)
            elif kind == "warning":
                self.warnings.append(text)
            elif kind == "caption":
                self.captions.append(text)
            else:
                setattr(self, kind, text)

    def all_errors(self):
        """Errors beside fields, and the others (unknown fields) as `name: problem` in the summary."""
        return {**dict(e.split(": ", 1) for e in self.other_errors), **self.errors}


def dollars(text):
    assert re.fullmatch(r"\$\d{1,3}(,\d{3})*", text), text
    return int(text[1:].replace(",", ""))


# ---------------------------------------------------------------- the four surfaces of one row of features


def send(http, surface, pairs, body):
    """Send one row: `pairs` as a query string or form, `body` (JSON text of an object) as JSON or as a batch of one."""
    if surface == "query":
        return http.request("GET", "/predict?" + urlencode(pairs))
    if surface == "form":
        return http.request("POST", "/", data=urlencode(pairs), headers=FORM)
    if surface == "json":
        return http.request("POST", "/predict", data=body, headers=JSON)
    if surface == "explain query":
        return http.request("GET", "/explain?" + urlencode(pairs))
    if surface == "explain json":
        return http.request("POST", "/explain", data=body, headers=JSON)
    return http.request("POST", "/predict", data='{"instances": [' + body + "]}", headers=JSON)


def error_fields(a, surface):
    """The field -> problem map of an error answer, checking the documented shape on the way."""
    assert 400 <= a.status < 500
    if surface == "form":
        assert a.mimetype == "text/html"
        page = Page(a.text)
        assert page.prediction is None
        return page.all_errors()
    fields = assert_error_shape(a)
    if surface == "batch":
        assert all(k.startswith("instances[0].") for k in fields), fields
        return {k[len("instances[0].") :]: v for k, v in fields.items()}
    return fields


def assert_error_shape(a):
    """`{"error": {"message": str, "fields": {field: problem}}}`, as JSON; each field named in the message too."""
    assert a.mimetype == "application/json"
    body = a.json
    assert set(body) == {"error"} and set(body["error"]) == {"message", "fields"}
    message, fields = body["error"]["message"], body["error"]["fields"]
    assert isinstance(message, str) and message
    assert isinstance(fields, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())
    for k in fields:
        assert k in message or a.status != 400, (k, message)
    return fields


# One row each: (id, query/form pairs, JSON object text, {field: words the problem must contain}).
# Names here are the issue's own examples; the per-feature sweeps below take every name from the card.
INVALID = [
    ("unknown field NOAX", [("NOAX", "0.5")], '{"NOAX": 0.5}', {"NOAX": "unknown field; did you mean NOX?"}),
    ("unknown field, no close name", [("colour", "1")], '{"colour": 1}', {"colour": "unknown field"}),
    ("field given twice", [("CRIM", "1"), ("CRIM", "2")], '{"CRIM": 1, "CRIM": 2}', {"CRIM": "given more than once"}),
    ("empty", [("RM", "")], '{"RM": ""}', {"RM": "empty"}),
    ("blank", [("RM", "   ")], '{"RM": "   "}', {"RM": "empty"}),
    ("not a number", [("RM", "six")], '{"RM": "six"}', {"RM": "must be a number"}),
    ("number with a unit", [("RM", "6 rooms")], '{"RM": "6 rooms"}', {"RM": "must be a number"}),
    ("decimal comma", [("NOX", "0,538")], '{"NOX": "0,538"}', {"NOX": "must be a number"}),
    ("hexadecimal", [("RM", "0x10")], '{"RM": "0x10"}', {"RM": "must be a number"}),
    ("boolean", [("RM", "true")], '{"RM": true}', {"RM": "must be a number"}),
    ("boolean false", [("CHAS", "false")], '{"CHAS": false}', {"CHAS": "must be a number"}),
    ("null", [("RM", "null")], '{"RM": null}', {"RM": "must be a number"}),
    ("a list", [("RM", "[6]")], '{"RM": [6]}', {"RM": "must be a number"}),
    ("an object", [("RM", "{}")], '{"RM": {"v": 6}}', {"RM": "must be a number"}),
    ("NaN", [("RM", "NaN")], '{"RM": "NaN"}', {"RM": "finite"}),
    ("inf", [("RM", "inf")], '{"RM": "Infinity"}', {"RM": "finite"}),
    ("-inf", [("RM", "-Infinity")], '{"RM": "-inf"}', {"RM": "finite"}),
    ("overflow 1e400", [("RM", "1e400")], '{"RM": 1e400}', {"RM": "too large"}),
    ("overflowing integer", [("TAX", "9" * 400)], '{"TAX": %s}' % ("9" * 400), {"TAX": "too large"}),
    ("negative rate", [("CRIM", "-0.1")], '{"CRIM": -0.1}', {"CRIM": "must be at least 0"}),
    ("negative count", [("RM", "-1")], '{"RM": -1}', {"RM": "must be at least 0"}),
    ("negative distance", [("DIS", "-5")], '{"DIS": -5}', {"DIS": "must be at least 0"}),
    ("CHAS 0.5", [("CHAS", "0.5")], '{"CHAS": 0.5}', {"CHAS": "must be 0 or 1"}),
    ("CHAS 2", [("CHAS", "2")], '{"CHAS": 2}', {"CHAS": "must be 0 or 1"}),
    ("percentage over 100", [("AGE", "150")], '{"AGE": 150}', {"AGE": "must be at most 100"}),
    ("percentage just over 100", [("LSTAT", "100.01")], '{"LSTAT": 100.01}', {"LSTAT": "must be at most 100"}),
    (
        "markup is data",
        [("RM", "<script>alert(1)</script>")],
        '{"RM": "<script>alert(1)</script>"}',
        {"RM": "must be a number"},
    ),
    ("markup as a field name", [("<b>x</b>", "1")], '{"<b>x</b>": 1}', {"<b>x</b>": "unknown field"}),
    (
        "very long value",
        [("RM", "9" * 20 + "x" * 3000)],
        '{"RM": "%s"}' % ("9" * 20 + "x" * 3000),
        {"RM": "must be a number"},
    ),
    (
        "several problems at once",
        [("NOAX", "1"), ("CHAS", "0.5"), ("AGE", "old")],
        '{"NOAX": 1, "CHAS": 0.5, "AGE": "old"}',
        {"NOAX": "did you mean NOX?", "CHAS": "must be 0 or 1", "AGE": "must be a number"},
    ),
]
SURFACES = ["query", "json", "batch", "form", "explain query", "explain json"]


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("pairs, body, expected", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_input_is_refused_naming_the_field_and_rule(http, surface, pairs, body, expected):
    a = send(http, surface, pairs, body)
    assert a.status == 400
    fields = error_fields(a, surface)
    assert set(fields) == set(expected), fields
    for name, words in expected.items():
        assert words in fields[name], (name, fields[name])
        assert len(fields[name]) < 200  # echoed input is cut short
    if surface == "form":  # values kept, escaped
        page = Page(a.text)
        for k, v in pairs:
            if k in page.inputs and sum(1 for n, _ in pairs if n == k) == 1:
                assert page.inputs[k]["value"] == v
        assert "<script>" not in a.text and "<b>x</b>" not in a.text


@pytest.mark.parametrize("surface", SURFACES)
def test_inside_the_domain_outside_training_range_is_answered_with_a_warning(http, card, surface):
    """For every feature the card allows beyond its training range: answered (200), with a warning naming it."""
    checked = 0
    for f in card["features"]:
        outside = []
        if f["train_min"] > (f["low"] or 0):
            outside.append(f["train_min"] / 2)
        if f["high"] is None or f["train_max"] < f["high"]:
            outside.append(f["train_max"] * 1.5 if f["high"] is None else (f["train_max"] + f["high"]) / 2)
        for x in outside:
            a = send(http, surface, [(f["name"], repr(x))], json.dumps({f["name"]: x}))
            assert a.status == 200, a.text
            if surface == "form":
                warnings = Page(a.text).warnings
            else:
                warnings = a.json["warnings"]
            assert len(warnings) == 1 and f"{f['name']} = " in warnings[0] and "training range" in warnings[0]
            if surface == "batch":
                assert warnings[0].startswith("instances[0]: ")
            checked += 1
    assert checked >= len(card["features"]) // 2


@pytest.mark.parametrize("surface", SURFACES)
def test_every_feature_refuses_values_outside_its_domain(http, card, surface):
    """Each bound the card declares is enforced, for every feature, on every surface; the bounds themselves pass."""
    for f in card["features"]:
        n = f["name"]
        bad = [f["low"] - 0.001] if f["low"] is not None else []
        bad += [f["high"] + 0.001] if f["high"] is not None else []
        bad += [(f["choices"][0] + f["choices"][1]) / 2] if f["choices"] else []
        for x in bad:
            a = send(http, surface, [(n, repr(x))], json.dumps({n: x}))
            assert a.status == 400, (n, x)
            assert list(error_fields(a, surface)) == [n]
        for x in [v for v in (f["low"], f["high"]) if v is not None]:
            assert send(http, surface, [(n, repr(x))], json.dumps({n: x})).status == 200, (n, x)


# ---------------------------------------------------------------- GET /predict, the lecture's URL


def test_lecture_get_url_answers_json_with_a_price(http, card, local_model):
    a = http.request("GET", LECTURE_URL)
    assert a.status == 200 and a.mimetype == "application/json"
    body = a.json
    assert set(body) == {"prediction", "unit", "price_usd", "interval", "inputs", "filled", "warnings", "message"}
    p = body["prediction"]
    assert_interval(body["interval"], p, card)
    assert isinstance(p, float) and body["unit"] == "$1000s"
    assert 5 <= p <= 50  # a forest predicts within its training targets ($5k to $50k)
    assert body["price_usd"] == round(p * 1000)
    # The features left out take their training median, and the answer says which.
    m = medians(card)
    assert body["filled"] == [n for n in names(card) if n not in LECTURE_INPUTS]
    assert body["inputs"] == {**m, **LECTURE_INPUTS}
    # The prediction is the model's, for exactly those inputs.
    row = [body["inputs"][n] for n in names(card)]
    assert p == pytest.approx(float(local_model.predict([row])[0]), abs=1e-5)
    # The lecture's sentence, with a unit this time.
    assert body["message"].startswith(
        "The predicted price of the Boston house with CRIM = 0.0006, RM = 6.5, AGE = 65, DIS = 5 is $"
    )
    assert f"${body['price_usd']:,}" in body["message"]
    # CRIM = 0.0006 is below the training minimum: answered, with a warning.
    crim = next(f for f in card["features"] if f["name"] == "CRIM")
    assert 0.0006 < crim["train_min"]
    assert len(body["warnings"]) == 1 and body["warnings"][0].startswith("CRIM = 0.0006 is outside the training range")


def test_every_feature_given_fills_nothing(http, card):
    values = medians(card)
    a = http.request("GET", "/predict?" + urlencode(values))
    assert a.status == 200
    assert a.json["filled"] == [] and a.json["warnings"] == []
    assert a.json["inputs"] == values


def test_no_feature_given_is_every_median(http, card):
    a = http.request("GET", "/predict")
    assert a.status == 200 and a.json["filled"] == names(card)
    assert "every feature at its training median" in a.json["message"]


def test_every_surface_gives_the_same_answer(http):
    """Validation and prediction are one piece of code: query string, JSON, batch and form agree."""
    get = http.request("GET", LECTURE_URL).json
    post = http.request("POST", "/predict", data=json.dumps(LECTURE_INPUTS), headers=JSON).json
    assert post == get
    batch = http.request("POST", "/predict", data=json.dumps({"instances": [LECTURE_INPUTS]}), headers=JSON).json
    assert batch["predictions"] == pytest.approx([get["prediction"]], abs=1e-5) and batch["unit"] == "$1000s"
    assert batch["warnings"] == ["instances[0]: " + w for w in get["warnings"]]
    form = send(http, "form", [(k, str(v)) for k, v in LECTURE_INPUTS.items()], None)
    page = Page(form.text)
    assert form.status == 200 and dollars(page.prediction) == get["price_usd"]
    assert page.message == get["message"] and page.warnings == get["warnings"]


def assert_interval(interval, prediction, card):
    """The contract's interval: prediction -+ the card's half-width, rounded to 6 decimals, in dollars too."""
    half = card["interval"]["half_width"]
    assert set(interval) == {"low", "high", "level", "low_usd", "high_usd"}
    assert interval["level"] == card["interval"]["level"] == 0.9
    assert interval["low"] == pytest.approx(prediction - half, abs=2e-6)
    assert interval["high"] == pytest.approx(prediction + half, abs=2e-6)
    assert interval["low_usd"] == round(interval["low"] * 1000)
    assert interval["high_usd"] == round(interval["high"] * 1000)


# ---------------------------------------------------------------- /explain: why this price

EXPLANATION = {
    "prediction",
    "unit",
    "price_usd",
    "interval",
    "base",
    "contributions",
    "inputs",
    "filled",
    "warnings",
    "message",
}


def test_explain_answers_the_prediction_its_interval_and_contributions_that_add_up(http, card, local_model):
    a = http.request("GET", "/explain" + LECTURE_URL[len("/predict") :])
    assert a.status == 200 and a.mimetype == "application/json"
    body = a.json
    assert set(body) == EXPLANATION
    assert list(body["contributions"]) == names(card)  # the card's order (Flask keeps insertion order)
    assert all(isinstance(c, float) for c in body["contributions"].values())
    assert body["base"] + sum(body["contributions"].values()) == pytest.approx(body["prediction"], abs=1e-4)
    assert_interval(body["interval"], body["prediction"], card)
    predicted = http.request("GET", LECTURE_URL).json
    for k in ("prediction", "unit", "price_usd", "interval", "inputs", "filled", "warnings"):
        assert body[k] == predicted[k], k
    assert body["message"].startswith(predicted["message"])
    moved_up = max(body["contributions"], key=body["contributions"].get)
    assert f"{moved_up} moved it most up" in body["message"]


def test_explain_by_post_is_the_same_and_every_row_adds_up(http, card):
    get = http.request("GET", "/explain" + LECTURE_URL[len("/predict") :]).json
    post = http.request("POST", "/explain", data=json.dumps(LECTURE_INPUTS), headers=JSON).json
    assert post == get
    bases = set()
    for row in batch_rows(card, 12):
        a = http.request("POST", "/explain", data=json.dumps(row), headers=JSON)
        assert a.status == 200 and set(a.json) == EXPLANATION
        total = a.json["base"] + sum(a.json["contributions"].values())
        assert total == pytest.approx(a.json["prediction"], abs=1e-4)
        assert_interval(a.json["interval"], a.json["prediction"], card)
        bases.add(a.json["base"])
    assert len(bases) == 1  # the model's average prediction, the same for every house


def test_predict_never_computes_an_explanation():
    """/predict stays as fast as before: with an explainer that refuses to work, every /predict still answers."""

    class Refusing:
        def explain(self, values):
            raise AssertionError("/predict asked for an explanation")

    app = create_app({"MODEL_DIR": ROOT / "model"})
    app.extensions["boston_app"].explainer = Refusing()
    client = app.test_client()
    assert client.get(LECTURE_URL).status_code == 200
    assert client.post("/predict", json=LECTURE_INPUTS).status_code == 200
    assert client.post("/predict", json={"instances": [LECTURE_INPUTS, {}]}).status_code == 200
    assert client.get("/explain").status_code == 500  # the refusing explainer is the one the routes use


@pytest.mark.parametrize(
    "body",
    ['{"instances": [{"RM": 6}]}', '{"instances": [{}], "RM": 6}', '{"instances": []}', '{"instances": 1}'],
)
def test_explain_refuses_a_batch_naming_body(http, body):
    a = http.request("POST", "/explain", data=body, headers=JSON)
    assert a.status == 400 and assert_error_shape(a) == {"body": "explains one house at a time, not a batch"}


def test_explain_body_of_the_size_limit_is_read_one_byte_more_is_413(http):
    a = http.request("POST", "/explain", data=padded("{}", MAX_BODY), headers=JSON)
    assert a.status == 200
    a = http.request("POST", "/explain", data=padded("{}", MAX_BODY + 1), headers=JSON)
    assert a.status == 413 and assert_error_shape(a) == {"body": f"is over the {MAX_BODY} byte limit"}


# ---------------------------------------------------------------- POST /predict, one row and batches


def batch_rows(card, n):
    """`n` different valid rows spread over the training ranges."""
    rows = []
    for i in range(n):
        row = {}
        for j, f in enumerate(card["features"]):
            if f["choices"]:
                row[f["name"]] = f["choices"][(i + j) % len(f["choices"])]
            else:
                row[f["name"]] = round(
                    f["train_min"] + (f["train_max"] - f["train_min"]) * ((7 * i + 13 * j) % 100) / 99, 4
                )
        rows.append(row)
    return rows


def test_post_json_single_row(http, card):
    a = http.request(
        "POST",
        "/predict",
        data='{"RM": 7.2, "LSTAT": 4.5}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert a.status == 200
    assert a.json["inputs"]["RM"] == 7.2 and a.json["inputs"]["LSTAT"] == 4.5
    assert "RM" not in a.json["filled"] and len(a.json["filled"]) == len(card["features"]) - 2


def test_post_batch_answers_in_order(http, card, local_model):
    rows = batch_rows(card, 6)
    a = http.request("POST", "/predict", data=json.dumps({"instances": rows}), headers=JSON)
    assert a.status == 200 and set(a.json) == {"predictions", "intervals", "unit", "warnings"}
    preds = a.json["predictions"]
    half = card["interval"]["half_width"]
    expected = [x for p in preds for x in (p - half, p + half)]
    assert [x for pair in a.json["intervals"] for x in pair] == pytest.approx(expected, abs=2e-6)
    assert len(set(preds)) == len(rows)  # distinct, so order is meaningful
    singles = [http.request("POST", "/predict", data=json.dumps(r), headers=JSON).json["prediction"] for r in rows]
    assert preds == pytest.approx(singles, abs=1e-5)
    back = http.request("POST", "/predict", data=json.dumps({"instances": rows[::-1]}), headers=JSON).json
    assert back["predictions"] == pytest.approx(preds[::-1], abs=1e-5)
    # Rows may leave features out: each takes its median, as a single row would.
    a = http.request("POST", "/predict", data=json.dumps({"instances": [{}, {"RM": 8}]}), headers=JSON)
    none = http.request("GET", "/predict").json["prediction"]
    rm8 = http.request("GET", "/predict?RM=8").json["prediction"]
    assert a.json["predictions"] == pytest.approx([none, rm8], abs=1e-5)


def test_batch_of_the_limit_is_answered_one_more_is_refused(http, card, local_model):
    rows = batch_rows(card, MAX_BATCH)
    a = http.request("POST", "/predict", data=json.dumps({"instances": rows}), headers=JSON)
    assert a.status == 200 and len(a.json["predictions"]) == MAX_BATCH
    expected = local_model.predict([[r[n] for n in names(card)] for r in rows])
    assert a.json["predictions"] == pytest.approx(list(expected), abs=1e-5)
    a = http.request("POST", "/predict", data=json.dumps({"instances": rows + rows[:1]}), headers=JSON)
    assert a.status == 400
    fields = assert_error_shape(a)
    assert list(fields) == ["instances"] and f"1 to {MAX_BATCH} rows, got {MAX_BATCH + 1}" in fields["instances"]


def padded(text, size):
    """`text` (JSON) padded with trailing spaces to exactly `size` bytes."""
    data = text.encode()
    return data + b" " * (size - len(data))


def test_body_of_the_size_limit_is_read_one_byte_more_is_413(http):
    a = http.request("POST", "/predict", data=padded('{"instances": [{}]}', MAX_BODY), headers=JSON)
    assert a.status == 200
    a = http.request("POST", "/predict", data=padded('{"instances": [{}]}', MAX_BODY + 1), headers=JSON)
    assert a.status == 413
    assert assert_error_shape(a) == {"body": f"is over the {MAX_BODY} byte limit"}


def chunked(data, size=1 << 16):
    """`data` as a generator: requests sends it with Transfer-Encoding: chunked and no Content-Length."""
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize(
    "path, start, ctype",
    [("/predict", '{"instances": [{}]}', "application/json"), ("/", "CRIM=0.1", "application/x-www-form-urlencoded")],
)
def test_chunked_body_is_held_to_the_same_limit(live_server, path, start, ctype):
    """Without a Content-Length the limit still holds (Werkzeug alone would cut the body there and carry on)."""
    post = lambda data: requests.post(
        live_server.url + path, data=chunked(data), headers={"Content-Type": ctype}, timeout=30
    )
    assert post(padded(start, MAX_BODY)).status_code == 200
    r = post(padded(start, MAX_BODY + 1))
    assert r.status_code == 413
    if path == "/predict":
        assert r.json()["error"]["fields"] == {"body": f"is over the {MAX_BODY} byte limit"}
    else:
        assert Page(r.text).other_errors


# (id, body bytes or text, content type, status, field, words)
BODIES = [
    ("malformed JSON", '{"RM": ', "application/json", 400, "body", "is not valid JSON"),
    ("trailing garbage", '{"RM": 6} x', "application/json", 400, "body", "is not valid JSON"),
    ("NaN literal (not JSON)", '{"RM": NaN}', "application/json", 400, "body", "NaN is not valid JSON"),
    ("Infinity literal (not JSON)", '{"RM": -Infinity}', "application/json", 400, "body", "Infinity is not valid JSON"),
    ("empty body", "", "application/json", 400, "body", "is not valid JSON"),
    ("not UTF-8", b'{"RM": "\xff"}', "application/json", 400, "body", "UTF-8"),
    ("a list, not an object", "[6.5]", "application/json", 400, "body", "must be a JSON object"),
    ("a bare number", "6.5", "application/json", 400, "body", "must be a JSON object"),
    ("nested too deeply", "[" * 100_000 + "]" * 100_000, "application/json", 400, "body", "nested too deeply"),
    ("text/plain", '{"RM": 6.5}', "text/plain", 415, "Content-Type", "must be application/json"),
    ("form-encoded", "RM=6.5", "application/x-www-form-urlencoded", 415, "Content-Type", "must be application/json"),
    ("no content type", '{"RM": 6.5}', None, 415, "Content-Type", "must be application/json"),
    ("instances not a list", '{"instances": {"RM": 6}}', "application/json", 400, "instances", "must be a list"),
    ("empty batch", '{"instances": []}', "application/json", 400, "instances", "got 0"),
    ("batch row not an object", '{"instances": [6.5]}', "application/json", 400, "instances[0]", "JSON object"),
    ("batch with other keys", '{"instances": [{}], "RM": 6}', "application/json", 400, "body", "only"),
    ("instances given twice", '{"instances": [{}], "instances": [{}]}', "application/json", 400, "body", "once"),
    (
        "second batch row invalid",
        '{"instances": [{"RM": 6}, {"NOAX": 1}]}',
        "application/json",
        400,
        "instances[1].NOAX",
        "did you mean NOX?",
    ),
]


@pytest.mark.parametrize("body, ctype, status, field, words", [b[1:] for b in BODIES], ids=[b[0] for b in BODIES])
def test_bad_bodies_are_refused_naming_what_is_wrong(http, body, ctype, status, field, words):
    a = http.request("POST", "/predict", data=body, headers={"Content-Type": ctype} if ctype else {})
    assert a.status == status
    fields = assert_error_shape(a)
    assert field in fields and words in fields[field], fields


ONE_HOUSE_BODIES = [b for b in BODIES if "instances" not in str(b[1])]  # a batch is refused naming body, above


@pytest.mark.parametrize(
    "body, ctype, status, field, words", [b[1:] for b in ONE_HOUSE_BODIES], ids=[b[0] for b in ONE_HOUSE_BODIES]
)
def test_explain_refuses_bad_bodies_as_predict_does(http, body, ctype, status, field, words):
    headers = {"Content-Type": ctype} if ctype else {}
    a = http.request("POST", "/explain", data=body, headers=headers)
    b = http.request("POST", "/predict", data=body, headers=headers)
    assert a.status == b.status == status
    assert assert_error_shape(a) == assert_error_shape(b)
    assert field in assert_error_shape(a)


def test_other_http_errors_are_json_too(http):
    a = http.request("GET", "/no-such-page")
    assert a.status == 404 and assert_error_shape(a) == {}
    a = http.request("PUT", "/predict", data="{}", headers=JSON)
    assert a.status == 405 and assert_error_shape(a) == {}
    assert {"GET", "POST"} <= {m.strip() for m in a.headers["Allow"].split(",")}


# ---------------------------------------------------------------- /health, /model, /openapi.json


def test_health(http, card):
    a = http.request("GET", "/health")
    assert a.status == 200 and a.json["status"] == "ok" and a.json["engine"] in ("onnx", "sklearn")
    served = {"onnx": "model.onnx", "sklearn": "model.pkl"}[a.json["engine"]]  # the file the engine serves
    assert a.json["model_file"] == served and a.json["model_sha256"] == card["artifacts"][served]["sha256"]


def test_health_is_503_until_a_model_is_loaded():
    bare = Flask(__name__)
    bare.register_blueprint(api.bp)
    r = bare.test_client().get("/health")
    assert r.status_code == 503 and r.json == {"error": {"message": "model not loaded", "fields": {}}}


def test_model_card_is_the_committed_card(http):
    a = http.request("GET", "/model")
    assert a.status == 200 and a.json == json.loads((ROOT / "model" / "model.json").read_text())
    assert names(a.json) == a.json["params"]["features"]


def conforms(doc, schema_name, instance):
    """Validate `instance` against `#/components/schemas/<schema_name>` of the OpenAPI 3.1 document."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def test_openapi_document_is_valid_and_generated_from_the_card(http, card):
    a = http.request("GET", "/openapi.json")
    assert a.status == 200
    doc = a.json
    try:
        from openapi_spec_validator import validate
    except ImportError:  # on a machine without it: the structure only
        validate = None
    if validate:
        validate(doc)  # raises on an invalid OpenAPI document
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/predict", "/explain", "/health", "/model"}
    assert set(doc["paths"]["/predict"]) == set(doc["paths"]["/explain"]) == {"get", "post"}
    assert doc["servers"][0]["url"].startswith("http")
    # One schema: names, order and domains are the card's.
    feats = doc["components"]["schemas"]["Features"]["properties"]
    assert sorted(feats) == sorted(names(card))  # a JSON object: Flask sorts its keys
    assert [p["name"] for p in doc["paths"]["/predict"]["get"]["parameters"]] == names(card)
    for f in card["features"]:
        s = feats[f["name"]]
        assert s["type"] == "number" and s.get("minimum") == f["low"] and s.get("maximum") == f["high"]
        assert s.get("enum") == f["choices"] and f["meaning"] in s["description"]
    assert doc["components"]["schemas"]["Batch"]["properties"]["instances"]["maxItems"] == MAX_BATCH
    # The server's real answers conform to the document.
    conforms(doc, "Prediction", http.request("GET", LECTURE_URL).json)
    batch = http.request("POST", "/predict", data=json.dumps({"instances": batch_rows(card, 3)}), headers=JSON)
    conforms(doc, "Predictions", batch.json)
    conforms(doc, "Batch", {"instances": batch_rows(card, 3)})
    conforms(doc, "Error", http.request("GET", "/predict?NOAX=1").json)
    explained = http.request("GET", "/explain" + LECTURE_URL[len("/predict") :]).json
    conforms(doc, "Explanation", explained)
    with pytest.raises(jsonschema.ValidationError):
        conforms(doc, "Prediction", {**explained, "interval": {"low": 1}})
    assert [p["name"] for p in doc["paths"]["/explain"]["get"]["parameters"]] == names(card)
    assert sorted(doc["components"]["schemas"]["Explanation"]["properties"]["contributions"]["properties"]) == sorted(
        names(card)
    )
    with pytest.raises(jsonschema.ValidationError):
        conforms(doc, "Features", {"NOAX": 1})


# ---------------------------------------------------------------- the form


def test_form_has_an_input_per_feature_from_the_card(http, card):
    a = http.request("GET", "/")
    assert a.status == 200 and a.mimetype == "text/html"
    page = Page(a.text)
    assert list(page.inputs) == names(card)
    for f in card["features"]:
        i = page.inputs[f["name"]]
        assert i["id"] == f["name"] and i["type"] == "number" and i["step"] == "any"
        assert float(i["min"]) == f["low"]
        assert (float(i["max"]) if "max" in i else None) == f["high"]
        assert float(i["value"]) == pytest.approx(f["median"], rel=1e-5)
        label = page.labels[f["name"]]
        assert f["name"] in label and f["meaning"] in label and f["unit"] in label
    assert page.prediction is None and not page.errors
    whatif = page.selects["whatif"]
    assert whatif["options"] == names(card) and whatif["selected"] == "RM" and "whatif" in page.labels


def test_form_post_shows_the_price_in_dollars_and_keeps_the_values(http, card):
    values = {**{n: str(v) for n, v in medians(card).items()}, "CRIM": "0.00632", "NOX": "0.538", "RM": "7.1"}
    a = http.request("POST", "/", data=urlencode(values), headers=FORM)
    assert a.status == 200
    page = Page(a.text)
    api_answer = http.request("GET", "/predict?" + urlencode(values)).json
    assert dollars(page.prediction) == api_answer["price_usd"]
    assert page.message == api_answer["message"] and not page.errors
    assert {n: i["value"] for n, i in page.inputs.items()} == values
    low, high = api_answer["interval"]["low_usd"], api_answer["interval"]["high_usd"]
    assert page.range == f"90% range: ${low:,} to ${high:,}"
    assert_charts(a.text, page, "RM", values["RM"])


def svgs(html):
    """The inline SVG elements of a page, as text."""
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


def assert_charts(html, page, feature, entered):
    """Two accessible inline SVG charts (bars, then the what-if curve of `feature`), each with a caption in words."""
    charts = svgs(html)
    assert len(charts) == 2
    for svg in charts:
        assert 'role="img"' in svg and "aria-labelledby=" in svg
        assert re.search(r"<title\b[^>]*>[^<]+</title>", svg) and re.search(r"<desc\b[^>]*>[^<]+</desc>", svg)
        assert "<script" not in svg and "style=" not in svg and " on" not in svg.split(">")[0]
    assert "style=" not in html  # the CSP allows no inline style anywhere on the page
    bars, curve = page.captions
    assert bars.startswith("From the average prediction, $") and "largest moves:" in bars
    assert curve.startswith(f"As {feature} goes from ") and f"at the entered {float(entered):g} it is $" in curve
    assert curve.endswith(f"it is {page.prediction}.")


def test_form_whatif_picks_the_curves_feature(http, card):
    values = {**{n: str(v) for n, v in medians(card).items()}, "LSTAT": "4.98"}
    rm = Page(http.request("POST", "/", data=urlencode(values), headers=FORM).text)
    a = http.request("POST", "/", data=urlencode({**values, "whatif": "LSTAT"}), headers=FORM)
    assert a.status == 200
    page = Page(a.text)
    assert page.prediction == rm.prediction and page.captions[0] == rm.captions[0]  # the same price, the same bars
    assert page.captions[1] != rm.captions[1] and page.selects["whatif"]["selected"] == "LSTAT"
    assert_charts(a.text, page, "LSTAT", "4.98")


def test_form_curve_caption_says_when_the_entered_value_is_outside_the_training_range(http, card):
    rm = next(f for f in card["features"] if f["name"] == "RM")
    beyond = rm["train_max"] + 5
    a = http.request("POST", "/", data=urlencode({"RM": f"{beyond:g}"}), headers=FORM)
    assert a.status == 200
    curve = Page(a.text).captions[1]
    assert f"at the entered {beyond:g}, outside the training range (the forest predicts flat there), it is $" in curve


@pytest.mark.parametrize(
    "whatif, problem",
    [(["ROOMS"], "must be one of the features, got 'ROOMS'"), (["RM", "AGE"], "given more than once")],
)
def test_form_whatif_not_a_feature_is_400_beside_the_select(http, card, whatif, problem):
    values = {n: str(v) for n, v in medians(card).items()} | {"RM": "7.1"}
    a = http.request("POST", "/", data=urlencode([*values.items(), *(("whatif", w) for w in whatif)]), headers=FORM)
    assert a.status == 400
    page = Page(a.text)
    assert page.errors == {"whatif": problem} and page.prediction is None and not svgs(a.text)
    assert page.selects["whatif"]["aria-invalid"] == "true"
    assert page.selects["whatif"]["aria-describedby"] == "whatif-error"
    assert {n: i["value"] for n, i in page.inputs.items()} == values  # what was typed is kept
    a = http.request("POST", "/", data=urlencode({**values, "CHAS": "0.5", "whatif": "ROOMS"}), headers=FORM)
    assert a.status == 400 and set(Page(a.text).errors) == {"CHAS", "whatif"}  # every problem at once


def test_form_error_sits_beside_its_field(http, card):
    values = {n: str(v) for n, v in medians(card).items()} | {"CHAS": "0.5", "NOX": "0.538"}
    a = http.request("POST", "/", data=urlencode(values), headers=FORM)
    assert a.status == 400
    page = Page(a.text)
    assert page.errors == {"CHAS": "must be 0 or 1"} and page.prediction is None
    chas = page.inputs["CHAS"]
    assert chas["aria-invalid"] == "true" and chas["aria-describedby"] == "CHAS-error" and chas["value"] == "0.5"
    assert {n: i["value"] for n, i in page.inputs.items()} == values
    assert "Traceback" not in a.text


@pytest.mark.parametrize(
    "body, ctype, status",
    [('{"CRIM": 0.1}', "application/json", 415), (b"CRIM=\xff", "application/x-www-form-urlencoded", 400)],
)
def test_form_refuses_what_is_not_a_readable_form_on_the_page(http, body, ctype, status):
    """Not a form (415), or a form that cannot be read (400): never a prediction at the medians."""
    a = http.request("POST", "/", data=body, headers={"Content-Type": ctype})
    assert a.status == status and a.mimetype == "text/html"
    page = Page(a.text)
    assert page.prediction is None and "form" in page.all_errors()


def test_form_body_over_the_limit_is_413_on_the_page(http):
    a = http.request("POST", "/", data=b"CRIM=" + b"1" * MAX_BODY, headers=FORM)
    assert a.status == 413 and a.mimetype == "text/html"
    assert Page(a.text).other_errors and "Traceback" not in a.text


# ---------------------------------------------------------------- the server never answered 500

# tests/conftest.py holds every test that uses the live server to its log showing no 5xx answer and no traceback,
# test by test. This proves that check reads the access log as gunicorn.conf.py writes it.


def test_the_log_check_sees_a_500_in_the_access_log_as_gunicorn_writes_it():
    from gunicorn.glogging import SafeAtoms

    conf = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    (fmt,) = [
        ast.literal_eval(node.value)
        for node in conf.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "access_log_format"
    ]
    atoms = {"m": "GET", "U": "/predict", "M": "3", "B": "42", "h": "127.0.0.1", "a": "curl/8"}
    failed = fmt % SafeAtoms({**atoms, "s": "500"})
    assert "status=500" in failed and server_errors(failed) == [failed]
    for status in ["200", "400", "413", "405"]:
        assert server_errors(fmt % SafeAtoms({**atoms, "s": status})) == []
    assert server_errors("Traceback (most recent call last):") and server_errors("unexpected error: KeyError")


# ---------------------------------------------------------------- docs/api.md, the usage page, is real


def test_api_page_validation_table_is_generated_from_the_card():
    out = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "usage.py"), "--table"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() in (ROOT / "docs" / "api.md").read_text()


def test_api_page_curl_examples_show_real_output(live_server):
    """Each `$ curl ...` example in docs/api.md prints what the page shows, against a live server."""
    need("curl", "the examples in docs/api.md are curl commands")
    out = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "usage.py"), "--check", live_server.url], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr

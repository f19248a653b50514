"""The form in a real browser: Debian's chromium, driven by Playwright, against the real gunicorn.

A person fills the first house of the data set (decimals such as CRIM 0.00632 and NOX 0.538 included), submits and
reads the price in dollars; submits a value the browser lets through but the server refuses (CHAS 0.5) and reads
the error beside that field; and types a value the browser itself refuses (AGE 150), which is never sent.
The lecture's house is answered with its 90% range, the bars of its largest contributions and the what-if curve
(RM by default, then LSTAT picked in the select), drawn as inline SVG with no console error under the page's CSP.
The answered form is saved as a screenshot in a temporary folder (docs/form.png, the README's screenshot, is one
such, copied by hand: tests never write into the working tree).
"""

import re
from urllib.parse import urlencode

import pytest

from boston_app.data import load_boston

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def card(live_server):
    return live_server.get("/model").json()


@pytest.fixture(scope="module")
def first_house(card):
    """Row 0 of Boston Housing as the text a person would type (CRIM 0.00632, NOX 0.538, ...)."""
    X, _ = load_boston()
    return {f["name"]: f"{x:g}" for f, x in zip(card["features"], X[0])}


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 860, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.console_errors = []  # a CSP violation (an inline style, a script) is reported here
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.goto(live_server.url + "/")
    yield page
    context.close()


def fill(page, values, typed=("CRIM", "NOX")):
    """Type the decimals `typed` as a person would; set the others in one go (each Playwright call costs ~0.2 s)."""
    for name in typed:
        page.fill(f"#{name}", values[name])
    page.evaluate(
        """values => { for (const [name, text] of Object.entries(values)) {
        const input = document.getElementById(name); input.value = text;
        input.dispatchEvent(new Event('input', {bubbles: true})); } }""",
        {k: v for k, v in values.items() if k not in typed},
    )


def inputs(page):
    """Every input's name and value, in page order."""
    return dict(page.evaluate("[...document.querySelectorAll('input')].map(i => [i.name, i.value])"))


def submit(page):
    """Click the button; return the status of the POST the browser sent."""
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.click("button[type=submit]")
    page.wait_for_load_state()
    return response.value.status


def test_the_form_answers_decimals_in_dollars(page, live_server, card, first_house, tmp_path):
    values = first_house
    assert values["CRIM"] == "0.00632" and values["NOX"] == "0.538"
    # The form starts at the training medians; every input takes decimals (step="any").
    shown = inputs(page)
    assert list(shown) == [f["name"] for f in card["features"]]
    assert [float(v) for v in shown.values()] == pytest.approx([f["median"] for f in card["features"]], rel=1e-5)
    fill(page, values)
    assert page.eval_on_selector("form", "f => f.checkValidity()")
    assert submit(page) == 200
    shown = page.text_content("#prediction")
    assert re.fullmatch(r"\$\d{1,3}(,\d{3})*", shown)
    api = live_server.get("/predict?" + urlencode(values)).json()
    assert int(shown[1:].replace(",", "")) == api["price_usd"]
    assert page.text_content(".message").strip() == api["message"]
    # The values typed are kept.
    assert inputs(page) == values
    shot = tmp_path / "form.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_value_the_browser_lets_through_is_refused_beside_its_field(page, first_house):
    values = {**first_house, "CHAS": "0.5"}
    fill(page, values)
    assert page.eval_on_selector("#CHAS", "e => e.checkValidity()")  # within min 0, max 1, step any
    assert submit(page) == 400
    error = page.locator("#CHAS-error")
    assert error.is_visible() and error.text_content() == "must be 0 or 1"
    assert page.get_attribute("#CHAS", "aria-invalid") == "true"
    assert page.locator(".error").count() == 1 and page.locator("#prediction").count() == 0
    assert inputs(page) == values


def test_the_browser_itself_blocks_a_value_outside_the_domain(page, card):
    age = next(f for f in card["features"] if f["name"] == "AGE")
    page.fill("#AGE", "150")
    validity = page.eval_on_selector("#AGE", "e => [e.validity.rangeOverflow, e.max, e.validationMessage]")
    assert validity[0] is True and float(validity[1]) == age["high"] and validity[2]
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.evaluate("""() => { window.refused = [];
        for (const i of document.querySelectorAll('input'))
            i.addEventListener('invalid', e => refused.push(e.target.name)); }""")
    page.click("button[type=submit]")
    page.wait_for_function("window.refused.length > 0")
    assert page.evaluate("window.refused") == ["AGE"]
    assert posts == [] and page.locator("#prediction").count() == 0


LECTURE_HOUSE = {"CRIM": "0.0006", "RM": "6.5", "AGE": "65", "DIS": "5"}


def chart(page, ident):
    """The chart `ident` (bars or curve): its SVG's title and description, its caption, and its drawn size."""
    svg = page.locator(f"#{ident} svg")
    box = svg.bounding_box()
    return dict(
        title=svg.locator("title").text_content(),
        desc=svg.locator("desc").text_content(),
        caption=page.text_content(f"#{ident} figcaption"),
        role=svg.get_attribute("role"),
        size=(box["width"], box["height"]),
    )


def test_the_lectures_house_shows_its_range_the_bars_and_the_curve(page, live_server):
    for name, value in LECTURE_HOUSE.items():
        page.fill(f"#{name}", value)
    assert page.eval_on_selector("#whatif", "s => s.value") == "RM"
    assert submit(page) == 200
    api = live_server.get("/explain", params=LECTURE_HOUSE).json()
    interval = api["interval"]
    assert page.text_content("#prediction") == f"${api['price_usd']:,}"
    assert " ".join(page.text_content("#range").split()) == (
        f"90% range: ${interval['low_usd']:,} to ${interval['high_usd']:,}"
    )
    bars, curve = chart(page, "bars"), chart(page, "curve")
    for c in (bars, curve):
        assert c["role"] == "img" and c["title"] and c["desc"] and c["caption"]
        assert c["size"][0] > 200 and c["size"][1] > 80  # drawn, not collapsed by the CSP
    top = max(api["contributions"], key=lambda n: abs(api["contributions"][n]))
    assert top in bars["caption"] and top in bars["desc"]
    assert curve["caption"].startswith("As RM goes from ") and "at the entered 6.5 it is $21,722" in curve["caption"]
    assert page.locator("svg [style]").count() == 0 and page.locator("[style]").count() == 0
    # Another feature for the curve: the same price and bars, a new curve, the values kept.
    page.select_option("#whatif", "LSTAT")
    assert submit(page) == 200
    assert page.text_content("#prediction") == f"${api['price_usd']:,}"
    assert chart(page, "bars")["caption"] == bars["caption"]
    lstat = chart(page, "curve")
    assert lstat["caption"].startswith("As LSTAT goes from ") and lstat["desc"] != curve["desc"]
    assert page.eval_on_selector("#whatif", "s => s.value") == "LSTAT"
    assert {k: inputs(page)[k] for k in LECTURE_HOUSE} == LECTURE_HOUSE
    assert page.console_errors == []  # the CSP refused nothing on the page

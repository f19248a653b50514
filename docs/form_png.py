"""Write docs/form.png, the README's screenshot of the answered form, from a running server.

    python docs/form_png.py URL     e.g. http://127.0.0.1:5000 after `make serve`

Run by hand when the page changes (the tests never write into the working tree): Debian's chromium, driven by
Playwright, fills the lecture's house (CRIM 0.0006, RM 6.5, AGE 65, DIS 5), submits, and saves the whole page.
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "form.png"
LECTURE_HOUSE = {"CRIM": "0.0006", "RM": "6.5", "AGE": "65", "DIS": "5"}


def main(url):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 860, "height": 900}, device_scale_factor=1)
        page.goto(url.rstrip("/") + "/")
        for name, value in LECTURE_HOUSE.items():
            page.fill(f"#{name}", value)
        with page.expect_response(lambda r: r.request.method == "POST"):
            page.click("button[type=submit]")
        page.wait_for_selector("#curve svg")
        page.locator("main").screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

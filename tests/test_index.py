"""The course's front page (nbs/index.ipynb) keeps what other pages rely on: a `## Glossary` heading that lessons link
as `index.ipynb#Glossary`, the terms they use, the lessons in course order, and the README's copy of the same table."""

import json
import re

from conftest import ROOT

COURSE = [
    "index",
    "00_data",
    "01_train",
    "02_model_file",
    "lecture_4_query_endpoint",
    "lecture_4_validation",
    "05_form",
    "06_app",
    "07_see_it_running",
    "08_deploy",
    "09_monitoring",
    "10_speed",
    "11_retrain_gate",
    "12_beyond_a_point",
]
TERMS = (
    "WSGI, gunicorn, worker, keep-alive, GIL, fork, dyno, slug, buildpack, Procfile, router, pickle, ONNX, "
    "onnxruntime, model card, SHA-256, CSP, chunked encoding, PSS, p50/p99, req/s, extrapolation, training range, "
    "papermill, nbval, nbdev"
).split(", ")
ROW = re.compile(r"^\| \[(\w+)\]\((?:nbs/)?(\w+)\.ipynb\) \|(.*)$", re.M)


def markdown():
    cells = json.loads((ROOT / "nbs" / "index.ipynb").read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def glossary():
    return next(text for text in markdown() if text.startswith("## Glossary\n"))


def test_glossary_has_its_heading_and_every_term():
    entries = re.findall(r"^- \*\*([^*]+)\*\*", glossary(), re.M)
    for term in TERMS:
        assert any(entry.startswith(term) for entry in entries), f"{term} is missing from the glossary"
    assert entries == sorted(entries, key=str.lower), "glossary entries are in alphabetical order"


def test_lesson_table_lists_the_course_in_order():
    rows = ROW.findall("\n".join(markdown()))
    assert [name for name, _, _ in rows] == COURSE
    assert all(name == target for name, target, _ in rows)
    on_disk = {p.stem for p in (ROOT / "nbs").glob("[0-9]*.ipynb")}
    assert on_disk <= set(COURSE), f"lessons missing from the table: {sorted(on_disk - set(COURSE))}"


def test_readme_lessons_table_is_the_index_table():
    index_rows = ROW.findall("\n".join(markdown()))
    readme_rows = ROW.findall((ROOT / "README.md").read_text())
    assert readme_rows == index_rows


def test_index_ends_with_the_link_to_00_data():
    assert markdown()[-1].startswith("**Next:** [00_data](00_data.ipynb)")

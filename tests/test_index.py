"""The course's front page (nbs/index.ipynb) keeps what other pages rely on: a `## Glossary` heading that lessons link
as `index.ipynb#Glossary`, the terms they use, the lessons in course order; and the README's two lesson tables (Part 1,
Part 2) list the same lessons in the same order."""

import json
import re

from conftest import ROOT

COURSE = [
    "lecture_1_data",
    "lecture_2_train",
    "lecture_3_model_file",
    "lecture_4_validation",
    "lecture_5_query_endpoint",
    "lecture_6_form",
    "lecture_7_serve",
    "production_1_open_internet",
    "production_2_json_api",
    "production_3_monitoring",
    "production_4_speed",
    "production_5_how_sure",
    "production_6_why",
    "production_7_retrain_gate",
    "production_8_service",
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
    on_disk = {
        p.stem for pattern in ("[0-9]*", "lecture_*", "production_*") for p in (ROOT / "nbs").glob(f"{pattern}.ipynb")
    }
    assert on_disk <= set(COURSE), f"lessons missing from the table: {sorted(on_disk - set(COURSE))}"


def test_readme_lessons_tables_are_the_index_table():
    """The README's tables, between its `lessons` markers, link every lesson of the index's table (the front page
    itself aside) in the same order, each to its own notebook. Only names and links are compared: the README's
    columns are its own (a generated time column), so its rows are not a copy of the index's."""
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- lessons:start -->\n", "<!-- lessons:end -->\n"
    assert readme.count(start) == readme.count(end) == 1, "the README's lesson tables sit between its lessons markers"
    block = readme.split(start, 1)[1].split(end, 1)[0]
    assert ROW.findall(readme) == ROW.findall(block), "every lesson row of the README is inside the markers"
    readme_rows = ROW.findall(block)
    index_rows = ROW.findall("\n".join(markdown()))
    assert [name for name, _, _ in readme_rows] == [name for name, _, _ in index_rows if name != "index"]
    assert all(name == target for name, target, _ in readme_rows)


def test_index_ends_with_the_link_to_lecture_1_data():
    assert markdown()[-1].startswith("**Next:** [lecture_1_data](lecture_1_data.ipynb)")

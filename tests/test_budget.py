"""tools/budget.py on small synthetic courses built in tmp_path: no server, no notebook run.

`course()` writes a course that keeps every budget (its failure list is empty, which a test asserts); each test
then breaks one budget and looks for the line that names it.
"""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("budget", ROOT / "tools" / "budget.py")
budget = importlib.util.module_from_spec(spec)
spec.loader.exec_module(budget)

URL = "/predict?CRIM=0.0006&RM=6.5&AGE=65&DIS=5"


def md(text):
    return new_markdown_cell(text)


def code(source, out=None):
    outputs = [] if out is None else [new_output("stream", name="stdout", text=out)]
    return new_code_cell(source, outputs=outputs, execution_count=1 if outputs else None)


def lines(n, name="x"):
    """A code cell of `n` non-blank lines: n / 8 minutes."""
    return code("\n".join(f"{name}{i} = {i}" for i in range(n)))


def lesson(minutes, *cells, stated=None, exp=None):
    """Cells of a lesson measured at about `minutes` (code lines), stating `stated` (default: `minutes`)."""
    head = [code(f"#| default_exp {exp}")] if exp else []
    head.append(md(f"# A lesson\n\n**Time:** {minutes if stated is None else stated} min."))
    return head + list(cells) + [lines(round(minutes * 8) - len(head) + 1)]


def write(root, name, cells):
    nbformat.write(new_notebook(cells=cells), root / "nbs" / name)


def course(root, **replace):
    """A course that keeps every budget, in root/nbs and root/boston_app; `replace` swaps a notebook's cells."""
    (root / "nbs").mkdir(parents=True, exist_ok=True)
    (root / "boston_app").mkdir(exist_ok=True)
    notebooks = {
        "lecture_1_data.ipynb": lesson(30, exp="data"),
        "lecture_2_train.ipynb": lesson(
            30, code("from boston_app.data import load"), code(f'client.get("{URL}")', "200\n"), exp="train"
        ),
        "production_1_gate.ipynb": lesson(45, code("from boston_app.train import fit"), exp="gate"),
    }
    notebooks.update({name.replace("__", "."): cells for name, cells in replace.items()})
    for name, cells in notebooks.items():
        if cells is not None:
            write(root, name, cells)
    (root / "boston_app" / "data.py").write_text("def load(): pass\n")
    (root / "boston_app" / "train.py").write_text("from .data import load\n")
    (root / "boston_app" / "gate.py").write_text("from . import data, train\n")
    return root


def fails(root):
    return budget.failures(root)


def test_the_baseline_course_keeps_every_budget(tmp_path):
    assert fails(course(tmp_path)) == []


def test_measured_figures_follow_the_formula():
    cells = [
        md('# Title [the docs](https://example.com/a) ![](fig.png) [x](u "a title") <details> <summary>Hint</summary>'),
        md("### Exercise 1: one\n\n**Exercise 2.** two\n\n## Exercises"),
        code("a = 1\n\n   \nb = 2"),
        code("#| export\nc = 3"),
    ]
    # words: "#", "Title", "the", "docs", "x", "Hint" (6) + "###", "Exercise", "1:", "one", "**Exercise", "2.**",
    # "two", "##", "Exercises" (9); code lines: 2 + 2; exercises: 2 (the section heading is not one).
    assert budget.figures(cells) == (4, 15, 4, 2, 15 / 180 + 4 / 8 + 8)


@pytest.mark.parametrize(
    "text, minutes",
    [
        ("**Time:** 25 min.", 25),
        ("# T\n\n**Time:** 40 min. **You need:** [a](a.ipynb).", 40),
        ("**Time:** 25 minutes", None),
        ("**Time:** about twenty minutes.", None),
        ("Time: 25 min.", None),
        ("It takes **Time:** 25 min.", None),
    ],
)
def test_stated_time_is_read_only_in_the_canonical_form(text, minutes):
    assert budget.stated_minutes([md(text)]) == minutes


def test_stated_time_is_read_in_the_first_three_markdown_cells_only():
    later = [md("a"), code("x = 1"), md("b"), md("c"), md("**Time:** 5 min.")]
    assert budget.stated_minutes(later) is None
    assert budget.stated_minutes(later[:3] + later[4:]) == 5


def test_a_part_1_lesson_over_35_minutes(tmp_path):
    assert "nbs/lecture_1_data.ipynb: 36.0 min measured, a Part 1 lesson takes at most 35 min" in fails(
        course(tmp_path, lecture_1_data__ipynb=lesson(36, exp="data"))
    )
    assert fails(course(tmp_path / "kept", lecture_1_data__ipynb=lesson(34.9, stated=35, exp="data"))) == []


def test_a_part_1_lesson_over_40_cells(tmp_path):
    many = lesson(30, *[md("word") for _ in range(39)], exp="data")
    assert len(many) == 42
    assert "nbs/lecture_1_data.ipynb: 42 cells, a Part 1 lesson has at most 40" in fails(
        course(tmp_path, lecture_1_data__ipynb=many)
    )
    assert fails(course(tmp_path / "kept", lecture_1_data__ipynb=many[:2] + many[4:])) == []


def test_part_1_over_180_minutes(tmp_path):
    extra = {f"lecture_{n}_more__ipynb": lesson(29) for n in range(3, 7)}  # 30 + 30.25 + 4 x 29, and words: 176.5
    root = course(tmp_path, **extra)
    total = sum(budget.figures(lesson.cells)[-1] for lesson in budget.lessons(root)[0] if lesson.part == "Part 1")
    assert total == pytest.approx(176.5, abs=0.05)
    assert fails(root) == []
    extra["lecture_7_more__ipynb"] = lesson(4)
    assert fails(course(tmp_path / "broken", **extra)) == ["Part 1: 180.5 min measured in all, at most 180 min"]


def test_a_part_2_lesson_over_50_minutes(tmp_path):
    broken = fails(course(tmp_path, production_1_gate__ipynb=lesson(51, exp="gate")))
    assert "nbs/production_1_gate.ipynb: 51.0 min measured, a Part 2 lesson takes at most 50 min" in broken
    assert fails(course(tmp_path / "kept", production_1_gate__ipynb=lesson(49.9, stated=50, exp="gate"))) == []


@pytest.mark.parametrize("stated, broken", [(24, True), (25, False), (36, False), (37, True)])
def test_stated_time_within_20_percent(tmp_path, stated, broken):
    found = fails(course(tmp_path, lecture_1_data__ipynb=lesson(30, stated=stated, exp="data")))
    line = f"nbs/lecture_1_data.ipynb: states {stated} min, measured 30.0 min ({stated / 30:.0%}), more than 20% apart"
    assert (line in found) is broken
    assert found == ([line] if broken else [])


def test_a_lesson_that_states_no_time(tmp_path):
    cells = lesson(30, exp="data")
    cells[1] = md("# A lesson\n\n**Time:** about 30 minutes")
    assert fails(course(tmp_path, lecture_1_data__ipynb=cells)) == [
        "nbs/lecture_1_data.ipynb: states no time as `**Time:** N min` in its first three markdown cells"
    ]


def test_url_minute_from_a_known_fixture(tmp_path):
    first = [
        md("# L1\n\n**Time:** 15 min."),  # 5 words
        md("### Exercise 1: a thing"),  # 5 words, 1 exercise
        md("w " * 170),  # 170 words: 180 in all, 1 min
        lines(80),  # 10 min
    ]
    second = [
        md("# L2\n\n**Time:** 20 min."),  # 5 words
        code("\n".join(f"y{i} = {i}\n" for i in range(16))),  # 16 lines, blank ones between
        code(f'client.get("{URL}")', "NameError: name 'new' is not defined\n"),  # 1 line, not an answer
        code(f'client.get("{URL}")', "1200\n"),  # 1 line, not an answer: 200 is not a word here
        code(f'r = client.get("{URL}")\nprint(r.json)', "{'message': 'The predicted Price is $21,722.'}\n"),
        lines(200),
    ]
    root = course(tmp_path, lecture_1_data__ipynb=first, lecture_2_train__ipynb=second)
    minute, found, index = budget.url_answered(budget.lessons(root)[0])
    assert (found.name, index) == ("lecture_2_train", 4)
    assert minute == pytest.approx(15 + 5 / 180 + (16 + 1 + 1 + 2) / 8)
    assert f"is first answered at minute {minute:.0f} of Part 1, in [lecture_2_train]" in budget.table(root)


def test_the_url_answered_after_75_minutes(tmp_path):
    answer = code(f'client.get("{URL}")', "200\n")
    extra = {"lecture_2_train__ipynb": lesson(30, code("from boston_app.data import load"), exp="train")}
    # Lessons 1 and 2: 30 + 6/180 and 30 + 1/8 + 6/180 minutes; lesson 3 answers after its heading (6/180).
    extra["lecture_3_more__ipynb"] = lesson(1, lines(116), answer, stated=16)  # 14.5 min before the answer: 74.85
    assert fails(course(tmp_path, **extra)) == []
    extra["lecture_3_more__ipynb"] = lesson(1, lines(121), answer, stated=16)  # 15.125 min before the answer: 75.475
    assert fails(course(tmp_path / "late", **extra)) == [
        "nbs/lecture_3_more.ipynb cell 2: the lecture's URL is first answered at minute 75.5 of Part 1, at most 75"
    ]


def test_the_url_must_be_answered_in_part_1(tmp_path):
    extra = {
        "lecture_2_train__ipynb": lesson(30, code("from boston_app.data import load"), exp="train"),
        "production_1_gate__ipynb": lesson(45, code(f'client.get("{URL}")', "200\n"), exp="gate"),
    }
    line = "Part 1: no code cell queries CRIM=0.0006&RM=6.5&AGE=65&DIS=5 with a stored answer (200 or price)"
    assert fails(course(tmp_path, **extra)) == [line]


def ignoring(n, source="# NBVAL_IGNORE_OUTPUT\n# timings differ run to run\nx = 1"):
    return lesson(30, *[code(source) for _ in range(n)], exp="data")


def test_at_most_six_cells_ignore_their_output(tmp_path):
    assert fails(course(tmp_path, lecture_1_data__ipynb=ignoring(6))) == []
    broken = fails(course(tmp_path / "seven", lecture_1_data__ipynb=ignoring(7)))
    assert len(broken) == 1
    assert broken[0].startswith("course: 7 cells ignore their output (NBVAL_IGNORE_OUTPUT), at most 6: ")


@pytest.mark.parametrize(
    "source, says",
    [
        ("# NBVAL_IGNORE_OUTPUT\nx = 1", "NBVAL_IGNORE_OUTPUT without a one-line reason"),
        ("# NBVAL_IGNORE_OUTPUT\n#\nx = 1", "NBVAL_IGNORE_OUTPUT without a one-line reason"),
        ("# NBVAL_IGNORE_OUTPUT: timings differ\nx = 1", "nbval does not see NBVAL_IGNORE_OUTPUT"),
        ("x = 1  # NBVAL_IGNORE_OUTPUT\n# timings differ", "nbval does not see NBVAL_IGNORE_OUTPUT"),
        ("# NBVAL_IGNORE_OUTPUT\n# timings differ run to run\nx = 1", None),
    ],
)
def test_each_ignored_cell_carries_a_reason(tmp_path, source, says):
    broken = fails(course(tmp_path, lecture_1_data__ipynb=ignoring(1, source)))
    if says is None:
        assert broken == []
    else:
        assert len(broken) == 1 and broken[0].startswith(f"nbs/lecture_1_data.ipynb cell 2: {says}")


@pytest.mark.parametrize(
    "source",
    [
        "import boston_app.gate",
        "import boston_app.gate as g",
        "from boston_app.gate import fit",
        "from boston_app import gate",
        "from boston_app import data, gate as g",
        "#| export\ndef f():\n    from boston_app.gate import fit\n    return fit",
        "%load_ext autoreload\nfrom boston_app import (\n    gate,\n)",
    ],
)
def test_a_forward_import_in_a_lesson(tmp_path, source):
    cells = lesson(30, code(source), exp="data")
    assert fails(course(tmp_path, lecture_1_data__ipynb=cells)) == [
        "nbs/lecture_1_data.ipynb cell 2 imports boston_app.gate, exported by the later lesson "
        "nbs/production_1_gate.ipynb"
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from boston_app.data import load",  # its own module
        "import boston_app.data",
        "from boston_app import data as d",
        "import boston_app",
        "from boston_app import __version__",
        "# from boston_app.gate import fit  (a comment)",
        "!python -c 'from boston_app.gate import fit'",
    ],
)
def test_imports_that_are_not_forward(tmp_path, source):
    cells = lesson(30, code(source), exp="data")
    assert fails(course(tmp_path, lecture_1_data__ipynb=cells)) == []


def test_an_export_directive_names_the_exporting_lesson(tmp_path):
    cells = lesson(30, code("#| export gate\ndef fit(): pass"), exp="data")
    # lecture_1 now exports gate first: importing gate there is not forward, but gate.py's import of train is.
    assert fails(course(tmp_path, lecture_1_data__ipynb=cells + [code("from boston_app.gate import fit")])) == [
        "boston_app/gate.py (lesson nbs/lecture_1_data.ipynb) imports boston_app.train, "
        "exported by the later lesson nbs/lecture_2_train.ipynb"
    ]


@pytest.mark.parametrize("source", ["from .gate import fit\n", "from . import gate\n", "import boston_app.gate\n"])
def test_a_forward_import_in_an_exported_module(tmp_path, source):
    root = course(tmp_path)
    (root / "boston_app" / "data.py").write_text(source)
    assert fails(root) == [
        "boston_app/data.py (lesson nbs/lecture_1_data.ipynb) imports boston_app.gate, "
        "exported by the later lesson nbs/production_1_gate.ipynb"
    ]


def test_todays_names_are_one_part_and_a_failure(tmp_path):
    root = tmp_path
    (root / "nbs").mkdir()
    write(root, "00_data.ipynb", lesson(30))
    write(root, "01_train.ipynb", lesson(30, code(f'client.get("{URL}")', "200\n")))
    course_, legacy = budget.lessons(root)
    assert legacy
    assert [(lesson.part, lesson.name) for lesson in course_] == [("course", "00_data"), ("course", "01_train")]
    assert fails(root) == [
        "nbs/ has no lecture_N_*.ipynb or production_N_*.ipynb notebook: Part 1 and Part 2 cannot be checked "
        "(found 2 NN_*.ipynb lessons of today's course)"
    ]
    assert "| **course in all** | | 5 |" in budget.table(root)


def test_an_empty_course_is_a_failure(tmp_path):
    (tmp_path / "nbs").mkdir()
    assert fails(tmp_path) == [
        "nbs/ has no lecture_N_*.ipynb or production_N_*.ipynb notebook: Part 1 and Part 2 cannot be checked"
    ]


def test_a_lesson_number_used_twice(tmp_path):
    root = course(tmp_path, lecture_2_again__ipynb=lesson(10))
    assert fails(root) == ["Part 1 lesson 2 is numbered twice: nbs/lecture_2_again.ipynb, nbs/lecture_2_train.ipynb"]


def test_part_2_follows_part_1_and_lessons_follow_their_number(tmp_path):
    root = course(tmp_path, lecture_10_more__ipynb=lesson(10), production_2_more__ipynb=lesson(10))
    assert [lesson.name for lesson in budget.lessons(root)[0]] == [
        "lecture_1_data",
        "lecture_2_train",
        "lecture_10_more",
        "production_1_gate",
        "production_2_more",
    ]


def test_the_command_line_exit_status(tmp_path, capsys):
    root = course(tmp_path)
    assert budget.main(["--root", str(root)]) == 0
    broken = course(tmp_path / "broken", production_1_gate__ipynb=lesson(51, exp="gate"))
    assert budget.main(["--root", str(broken)]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().endswith("a Part 2 lesson takes at most 50 min")
    assert budget.main(["--table", "--root", str(broken)]) == 0
    assert "at most" not in capsys.readouterr().out


def index_notebook(path):
    block = "The lessons:\n\n<!-- lessons:start -->\nold\n<!-- lessons:end -->\n\nEnd."
    nb = new_notebook(cells=[md("# Front page"), md(block)])
    nbformat.write(nb, path)


def test_update_then_check_round_trips(tmp_path, capsys):
    root = course(tmp_path)
    readme, index = root / "README.md", root / "nbs" / "index.ipynb"
    readme.write_text("# Course\n\n<!-- lessons:start -->\nold\n<!-- lessons:end -->\n\nMore text.\n")
    index_notebook(index)
    files = [str(readme), str(index)]
    assert budget.main(["--check", *files, "--root", str(root)]) == 1
    assert budget.main(["--update", *files, "--root", str(root)]) == 0
    assert budget.main(["--check", *files, "--root", str(root)]) == 0
    text = readme.read_text()
    assert text.startswith("# Course\n\n<!-- lessons:start -->\n| lesson | what you learn |") and text.endswith(
        "\n\nMore text.\n"
    )
    assert "[lecture_1_data](nbs/lecture_1_data.ipynb)" in text
    cells = nbformat.read(index, as_version=4).cells
    assert cells[0].source == "# Front page" and cells[1].source.endswith("<!-- lessons:end -->\n\nEnd.")
    assert "[lecture_1_data](lecture_1_data.ipynb)" in cells[1].source  # relative to nbs/
    assert json.loads(index.read_text())["nbformat"] == 4
    assert index.read_text().startswith('{\n "cells": [\n  {\n')  # the layout nbformat and nbdev write: indent 1
    capsys.readouterr()


def test_check_fails_on_a_changed_block(tmp_path, capsys):
    root = course(tmp_path)
    readme = root / "README.md"
    readme.write_text("<!-- lessons:start -->\n<!-- lessons:end -->\n")
    budget.main(["--update", str(readme), "--root", str(root)])
    readme.write_text(readme.read_text().replace("| 30.0 |", "| 29.0 |", 1))
    capsys.readouterr()
    assert budget.main(["--check", str(readme), "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "the lessons table is out of date" in out
    assert "\n-| [lecture_1_data]" in out and "\n+| [lecture_1_data]" in out
    readme.write_text("no block here\n")
    assert budget.main(["--check", str(readme), "--root", str(root)]) == 1
    assert "no <!-- lessons:start --> ... <!-- lessons:end --> block" in capsys.readouterr().out

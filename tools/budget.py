"""Reading-time budgets of the course's lessons, and a check that no lesson imports a later lesson's module.

    python tools/budget.py                 the table, then one line per broken budget; exit 1 if any
    python tools/budget.py --table         the table only; exit 0
    python tools/budget.py --update FILE.. write the table between the markers in each FILE
    python tools/budget.py --check FILE..  exit 1, with a diff, when a FILE's block differs from what --update writes

Lessons (notebooks in nbs/; part and order come from the file name):
    lecture_N_*.ipynb      Part 1, lesson N
    production_N_*.ipynb   Part 2, lesson N (Part 2 comes after Part 1)
    NN_*.ipynb             today's names: one part "course" ordered by NN, used only when nbs/ has no lecture_ or
                           production_ notebook; then the Part 1 and Part 2 budgets cannot apply, which is a failure.
nbs/index.ipynb is not a lesson.

Figures of a lesson (or of a run of its cells):
    cells        every cell, whatever its type
    prose words  whitespace-separated tokens of the markdown cells, after an inline link or image `[text](url)` is
                 reduced to its text (the URL is not read aloud: this matters for an image `![](fig.png)`, a link
                 with a title `[a](url "title")`, or a URL that sits alone) and HTML tags such as `<details>` are
                 dropped
    code lines   non-blank lines of the code cells, all of them (exported or not, `#|` directives included)
    exercises    markdown lines that start an exercise: a heading `### Exercise 3: title` (any level) or a paragraph
                 starting `**Exercise 3.**`; the section heading `## Exercises` is not an exercise
    measured     prose words / 180 + code lines / 8 + 4 per exercise, in minutes
    stated       the lesson's own time, in its first three markdown cells, in the one canonical form: a line that
                 starts `**Time:** N min` (more may follow on the line, e.g. `. **You need:** ...`)

The lecture's URL is answered in the first Part 1 code cell whose source contains `CRIM=0.0006&RM=6.5&AGE=65&DIS=5`
and whose stored output (the text of stream outputs and the text/plain of results and displays) contains the word
`200` or, in any case, `price`. Its minute is the measured time of every Part 1 cell up to and including that one:
the lessons before it whole, and its own lesson cell by cell with the same formula (an exercise counts in the cell
that holds its heading).

Budgets, each broken one a line naming the lesson and the figure:
    Part 1 in all <= 180 min; each Part 1 lesson <= 35 min and <= 40 cells; each Part 2 lesson <= 50 min;
    every lesson states its time, within 20% of the measured time (|stated - measured| <= 0.2 * measured);
    the lecture's URL answered within the first 75 min of Part 1;
    at most 6 cells in the course whose source contains NBVAL_IGNORE_OUTPUT, each with a one-line reason. nbval sees
    the marker only as a comment line of its own (`# NBVAL_IGNORE_OUTPUT: why` on one line is not seen and the cell's
    output is then compared), so the reason is the comment line right after it:
        # NBVAL_IGNORE_OUTPUT
        # timings differ run to run
    no forward import: a lesson (or a module of boston_app/) imports no boston_app module whose exporting lesson
    comes later. A module's exporting lesson is the first lesson with `#| default_exp MOD`, `#| export MOD` or
    `#| exporti MOD`. Imports are read with `ast` from code cells (after dropping `#|`, `%` and `!` lines):
    `import boston_app.X`, `from boston_app.X import ...`, `from boston_app import X, Y` and `... X as Y`; in
    boston_app/*.py also `from .X import ...` and `from . import X`. A lesson importing its own module is fine.
"""

import argparse
import ast
import difflib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LECTURE_URL = "CRIM=0.0006&RM=6.5&AGE=65&DIS=5"
START, END = "<!-- lessons:start -->", "<!-- lessons:end -->"

WORDS_PER_MIN, CODE_LINES_PER_MIN, MIN_PER_EXERCISE = 180, 8, 4
PART1_TOTAL, PART1_LESSON, PART1_CELLS, PART2_LESSON = 180, 35, 40, 50
STATED_TOLERANCE, URL_BY_MIN, MAX_IGNORED = 0.20, 75, 6
PART1, PART2, COURSE = "Part 1", "Part 2", "course"

NAMES = [(PART1, re.compile(r"lecture_(\d+)_\w+\.ipynb")), (PART2, re.compile(r"production_(\d+)_\w+\.ipynb"))]
LEGACY = re.compile(r"(\d+)_\w+\.ipynb")
TIME = re.compile(r"^\*\*Time:\*\* (\d+) min\b", re.M)
EXERCISE = re.compile(r"^(#{1,6}\s+Exercise\s+\d+\b|\*\*Exercise\s+\d+\b)", re.M)
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
TAG = re.compile(r"<[^>]+>")
DIRECTIVE = re.compile(r"^#\|\s*(?:default_exp|export|exporti)\s+([\w.]+)\s*$", re.M)
ANSWERED = re.compile(r"\b200\b|price", re.I)
MARKER = "NBVAL_IGNORE_OUTPUT"


@dataclass
class Cell:
    cell_type: str
    source: str
    outputs: list


def read_cells(path):
    """The cells of the notebook at `path`, read as plain JSON (nbformat's import alone takes a second or more)."""

    def text(value):
        return "".join(value) if isinstance(value, list) else value

    cells = json.loads(path.read_text())["cells"]
    return [Cell(c["cell_type"], text(c["source"]), c.get("outputs", [])) for c in cells]


@dataclass
class Lesson:
    path: Path
    part: str
    number: int
    cells: list = field(repr=False)
    label: str  # the path from the repository root, e.g. nbs/lecture_1_data.ipynb

    @property
    def name(self):
        """The notebook's name without .ipynb, e.g. lecture_1_data."""
        return self.path.stem


def prose_words(text):
    """The number of prose words in markdown `text` (link URLs and HTML tags left out)."""
    return len(TAG.sub(" ", LINK.sub(r"\1", text)).split())


def code_lines(text):
    """The number of non-blank lines in code `text`."""
    return sum(1 for line in text.splitlines() if line.strip())


def exercises(text):
    """The number of exercises whose first line is in markdown `text`."""
    return len(EXERCISE.findall(text))


def figures(cells):
    """(cells, prose words, code lines, exercises, measured minutes) of a run of cells."""
    md = [c.source for c in cells if c.cell_type == "markdown"]
    code = [c.source for c in cells if c.cell_type == "code"]
    words = sum(map(prose_words, md))
    lines = sum(map(code_lines, code))
    ex = sum(map(exercises, md))
    return len(cells), words, lines, ex, words / WORDS_PER_MIN + lines / CODE_LINES_PER_MIN + MIN_PER_EXERCISE * ex


def stated_minutes(cells):
    """The minutes the lesson states in its first three markdown cells in the canonical form, or None."""
    for text in [c.source for c in cells if c.cell_type == "markdown"][:3]:
        if m := TIME.search(text):
            return int(m.group(1))
    return None


def lessons(root):
    """The course's lessons in reading order, and whether they carry today's NN_ names (no two parts)."""
    found = []
    for path in sorted((root / "nbs").glob("*.ipynb")):
        for part, pattern in NAMES:
            if m := pattern.fullmatch(path.name):
                found.append((part, int(m.group(1)), path))
    legacy = not found
    if legacy:
        found = [
            (COURSE, int(m.group(1)), p)
            for p in sorted((root / "nbs").glob("*.ipynb"))
            if (m := LEGACY.fullmatch(p.name))
        ]
    found.sort(key=lambda f: (f[0] == PART2, f[1], f[2].name))
    course = [Lesson(p, part, n, read_cells(p), rel(p, root)) for part, n, p in found]
    return course, legacy


def output_text(cell):
    """The text of a code cell's stored outputs: stream text and the text/plain of results and displays."""
    parts = []
    for out in cell.outputs:
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(p if isinstance(p, str) else "".join(p) for p in parts)


def url_answered(course):
    """(minute, lesson, cell index) where the first part first answers the lecture's URL, or None."""
    minute = 0.0
    first = [lesson for lesson in course if lesson.part == course[0].part] if course else []
    for lesson in first:
        for i, cell in enumerate(lesson.cells):
            if cell.cell_type == "code" and LECTURE_URL in cell.source and ANSWERED.search(output_text(cell)):
                return minute + figures(lesson.cells[: i + 1])[-1], lesson, i
        minute += figures(lesson.cells)[-1]
    return None


def ignored_output(course):
    """Failure lines for the NBVAL_IGNORE_OUTPUT cells: too many, or one without its one-line reason."""
    cells, fails = [], []
    for lesson in course:
        for i, cell in enumerate(lesson.cells):
            if MARKER not in cell.source:
                continue
            cells.append(f"{lesson.label} cell {i}")
            lines = [line.strip() for line in cell.source.splitlines()]
            at = [j for j, line in enumerate(lines) if line.startswith("#") and line.lstrip("#").strip() == MARKER]
            if not at:
                fails.append(
                    f"{lesson.label} cell {i}: nbval does not see {MARKER} unless it is a comment line of its own "
                    f"(`# {MARKER}`, the reason on the next line)"
                )
            elif not (
                at[0] + 1 < len(lines) and lines[at[0] + 1].startswith("#") and lines[at[0] + 1].lstrip("#").strip()
            ):
                fails.append(
                    f"{lesson.label} cell {i}: {MARKER} without a one-line reason (a comment on the next line)"
                )
    if len(cells) > MAX_IGNORED:
        fails.insert(
            0, f"course: {len(cells)} cells ignore their output ({MARKER}), at most {MAX_IGNORED}: {', '.join(cells)}"
        )
    return fails


def code_source(text):
    """A code cell's `text` without its `#|`, `%` and `!` lines, ready for `ast`."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("#|", "%", "!")))


def imported(tree, known):
    """The boston_app modules in `known` that an `ast` tree imports (relative imports are boston_app's own)."""
    found = set()

    def module(dotted):
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in known:
                found.add(".".join(parts[:n]))
                return

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("boston_app."):
                    module(alias.name.removeprefix("boston_app."))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module == "boston_app" or node.level == 1 and node.module is None:
                base = ""
            elif node.level == 0 and node.module and node.module.startswith("boston_app."):
                base = node.module.removeprefix("boston_app.")
            elif node.level == 1:
                base = node.module
            else:
                continue
            if base:
                module(base)
            for alias in node.names:
                if f"{base}.{alias.name}".strip(".") in known:
                    found.add(f"{base}.{alias.name}".strip("."))
    return found


def forward_imports(root, course):
    """Failure lines for lessons and boston_app modules that import a module a later lesson exports."""
    exporter = {}  # module -> index in `course` of the first lesson that exports it
    for k, lesson in enumerate(course):
        for cell in lesson.cells:
            if cell.cell_type == "code":
                for mod in DIRECTIVE.findall(cell.source):
                    exporter.setdefault(mod, k)
    fails = []

    def check(who, at, tree):
        # A lesson's own module is never later than itself: the first lesson that exports it is this one or earlier.
        for mod in sorted(imported(tree, exporter)):
            if exporter[mod] > at:
                fails.append(
                    f"{who} imports boston_app.{mod}, exported by the later lesson {course[exporter[mod]].label}"
                )

    for k, lesson in enumerate(course):
        for i, cell in enumerate(lesson.cells):
            if cell.cell_type == "code" and "boston_app" in cell.source:
                try:
                    tree = ast.parse(code_source(cell.source))
                except SyntaxError as e:
                    fails.append(f"{lesson.label} cell {i}: does not parse ({e.msg}), its imports are unchecked")
                    continue
                check(f"{lesson.label} cell {i}", k, tree)
    for path in sorted((root / "boston_app").glob("*.py")):
        if path.stem in exporter:
            at = exporter[path.stem]
            check(f"{rel(path, root)} (lesson {course[at].label})", at, ast.parse(path.read_text()))
    return fails


def rel(path, start):
    """`path` relative to the folder `start`, with forward slashes."""
    return Path(os.path.relpath(path, start)).as_posix()


def failures(root=ROOT):
    """One line per broken budget or forward import of the course in `root`; empty when all are kept."""
    course, legacy = lessons(root)
    fails = []
    if legacy:
        fails.append(
            "nbs/ has no lecture_N_*.ipynb or production_N_*.ipynb notebook: Part 1 and Part 2 cannot be checked"
            + (f" (found {len(course)} NN_*.ipynb lessons of today's course)" if course else "")
        )
    part1 = [lesson for lesson in course if lesson.part == PART1]
    for lesson in course:
        cells, _, _, _, minutes = figures(lesson.cells)
        name = lesson.label
        if lesson.part == PART1 and minutes > PART1_LESSON:
            fails.append(f"{name}: {minutes:.1f} min measured, a Part 1 lesson takes at most {PART1_LESSON} min")
        if lesson.part == PART1 and cells > PART1_CELLS:
            fails.append(f"{name}: {cells} cells, a Part 1 lesson has at most {PART1_CELLS}")
        if lesson.part == PART2 and minutes > PART2_LESSON:
            fails.append(f"{name}: {minutes:.1f} min measured, a Part 2 lesson takes at most {PART2_LESSON} min")
        stated = stated_minutes(lesson.cells)
        if stated is None:
            fails.append(f"{name}: states no time as `**Time:** N min` in its first three markdown cells")
        elif abs(stated - minutes) > STATED_TOLERANCE * minutes:
            fails.append(
                f"{name}: states {stated} min, measured {minutes:.1f} min "
                f"({percent(stated, minutes)}), more than {STATED_TOLERANCE:.0%} apart"
            )
    for dup in sorted({(lesson.part, lesson.number) for lesson in course if lesson.part != COURSE}):
        same = [lesson.label for lesson in course if (lesson.part, lesson.number) == dup]
        if len(same) > 1:
            fails.append(f"{dup[0]} lesson {dup[1]} is numbered twice: {', '.join(same)}")
    total = sum(figures(lesson.cells)[-1] for lesson in part1)
    if total > PART1_TOTAL:
        fails.append(f"Part 1: {total:.1f} min measured in all, at most {PART1_TOTAL} min")
    if part1:
        answered = url_answered(part1)
        if answered is None:
            fails.append(f"Part 1: no code cell queries {LECTURE_URL} with a stored answer (200 or price)")
        elif answered[0] > URL_BY_MIN:
            fails.append(
                f"{answered[1].label} cell {answered[2]}: the lecture's URL is first answered at minute "
                f"{answered[0]:.1f} of Part 1, at most {URL_BY_MIN}"
            )
    return fails + ignored_output(course) + forward_imports(root, course)


def percent(stated, measured):
    """stated / measured as a whole percentage, e.g. '92%'."""
    return f"{stated / measured:.0%}" if measured else "-"


PART_TITLES = {"Part 1": "Part 1, the lecture, working", "Part 2": "Part 2, production, one layer per lesson"}


def summary(cells):
    """The lesson's one-line summary: the first blockquote line of its first markdown cells, or ''."""
    for text in [c.source for c in cells if c.cell_type == "markdown"][:3]:
        for line in text.splitlines():
            if line.startswith("> "):
                return line[2:].strip()
    return ""


def table(root=ROOT, base=None):
    """The markdown table of the lessons in `root`, their links relative to the folder `base` (the root by default)."""
    base = base or root
    course, _ = lessons(root)
    rows = [
        "| lesson | what you learn | cells | prose words | code lines | exercises | measured min | stated min"
        " | stated/measured |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for part in dict.fromkeys(lesson.part for lesson in course):
        rows.append(f"| **{PART_TITLES.get(part, part)}** | | | | | | | | |")
        sums = [0, 0, 0, 0, 0.0, 0]
        for lesson in (lesson for lesson in course if lesson.part == part):
            cells, words, lines, ex, minutes = figures(lesson.cells)
            stated = stated_minutes(lesson.cells)
            for j, v in enumerate((cells, words, lines, ex, minutes, stated or 0)):
                sums[j] += v
            rows.append(
                f"| [{lesson.name}]({rel(lesson.path, base)}) | {summary(lesson.cells)} | {cells} | {words} | "
                f"{lines} | {ex} | {minutes:.1f} | {'-' if stated is None else stated} | "
                f"{'-' if stated is None else percent(stated, minutes)} |"
            )
        rows.append(
            f"| **{part} in all** | | {sums[0]} | {sums[1]} | {sums[2]} | {sums[3]} | {sums[4]:.1f} | {sums[5]} | "
            f"{percent(sums[5], sums[4])} |"
        )
    answered = url_answered(course)
    if answered:
        minute, lesson, i = answered
        rows += [
            "",
            f"The lecture's URL (`/predict?{LECTURE_URL}`) is first answered at minute {minute:.0f} of {lesson.part}, "
            f"in [{lesson.name}]({rel(lesson.path, base)}) cell {i}.",
        ]
    else:
        rows += ["", f"No code cell of {course[0].part if course else 'the course'} answers the lecture's URL."]
    return "\n".join(rows)


def block(root, path):
    """The text between and including the markers that --update writes into `path`."""
    return f"{START}\n{table(root, path.resolve().parent)}\n{END}"


def current(path):
    """(the file's text with its block, the block, and a function that puts a new block in place) for `path`."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if path.suffix != ".ipynb":
        text = path.read_text()
        m = pattern.search(text)
        if not m:
            return None
        return m.group(0), lambda new: path.write_text(text[: m.start()] + new + text[m.end() :])
    raw = path.read_text()
    nb = json.loads(raw)
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown" and (m := pattern.search(source)):

            def write(new, cell=cell, source=source, m=m):
                cell["source"] = (source[: m.start()] + new + source[m.end() :]).splitlines(keepends=True)
                indent = 1 if raw.startswith('{\n "') else 2
                path.write_text(json.dumps(nb, indent=indent, ensure_ascii=False) + "\n")

            return m.group(0), write
    return None


def main(argv=None, root=ROOT):
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--table", action="store_true", help="print the table only, exit 0")
    mode.add_argument("--update", nargs="+", type=Path, metavar="FILE", help="rewrite the block in each FILE")
    mode.add_argument("--check", nargs="+", type=Path, metavar="FILE", help="exit 1 when a FILE's block is stale")
    parser.add_argument("--root", type=Path, default=root, help="the repository (default: this script's)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.update or args.check:
        status = 0
        for path in args.update or args.check:
            found = current(path)
            if found is None:
                print(f"{path}: no {START} ... {END} block")
                status = 1
                continue
            old, write = found
            new = block(root, path)
            if args.update and old != new:
                write(new)
            elif args.check and old != new:
                status = 1
                print(f"{path}: the lessons table is out of date; run python tools/budget.py --update {path}")
                diff = difflib.unified_diff(old.splitlines(), new.splitlines(), f"{path} (now)", f"{path} (--update)")
                print("\n".join(diff))
        return status
    print(table(root))
    if args.table:
        return 0
    fails = failures(root)
    if fails:
        print()
        print("\n".join(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

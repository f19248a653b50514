"""The mutation score of each mutated module, from `mutmut results --all true` (run after `mutmut run`).

Prints, per module, how many mutants were killed, survived, timed out and had no test, the total, and the share
killed; then the mutants not killed, by name (`mutmut show NAME` prints the change). Exits 1 when a module has fewer
than MINIMUM percent of its mutants killed (a timeout does not count as killed), and when setup.cfg's
do_not_mutate_patterns would spare a line of the modules that is not a docstring.
"""

import ast
import configparser
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

MINIMUM = 85.0  # percent of each module's mutants killed
MODULES = ["boston_app/validation.py", "boston_app/model.py"]  # setup.cfg's only_mutate


def docstring_lines(path):
    """The line numbers of the docstrings of the functions and classes in the Python file `path`."""
    lines = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def spared_code():
    """Lines of MODULES that setup.cfg's do_not_mutate_patterns spare but that are not docstrings: ["path:line"]."""
    cfg = configparser.ConfigParser()  # as mutmut reads setup.cfg
    cfg.read("setup.cfg")
    patterns = [re.compile(p) for p in cfg.get("mutmut", "do_not_mutate_patterns", fallback="").split("\n") if p]
    wrong = []
    for module in MODULES:
        docs = docstring_lines(module)
        for number, line in enumerate(Path(module).read_text().splitlines(), 1):
            if any(p.search(line) for p in patterns) and number not in docs:
                wrong.append(f"{module}:{number}")
    return wrong


def results():
    """{mutant name: status} as `mutmut results --all true` lists them ("    NAME: STATUS" lines)."""
    out = subprocess.run(["mutmut", "results", "--all", "true"], check=True, capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().partition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status
    return found


def module_of(name):
    """The source file of mutant `name`: boston_app.model.x_read_card__mutmut_3 is boston_app/model.py."""
    path = name.partition("__mutmut_")[0].rpartition(".")[0]
    return path.replace(".", "/") + ".py"


def main():
    statuses = defaultdict(Counter)
    survivors = defaultdict(list)
    for name, status in results().items():
        statuses[module_of(name)][status] += 1
        if status != "killed":
            survivors[module_of(name)].append(f"{name} ({status})")
    print(f"{'module':<26} {'killed':>6} {'survived':>8} {'timeout':>7} {'no tests':>8} {'total':>5}  killed %")
    low = []
    for module in MODULES:
        c = statuses[module]
        total = sum(c.values())
        score = 100 * c["killed"] / total if total else 0.0
        print(
            f"{module:<26} {c['killed']:>6} {c['survived']:>8} {c['timeout']:>7} {c['no tests']:>8} {total:>5}"
            f"  {score:.1f}%"
        )
        other = {s: n for s, n in c.items() if s not in ("killed", "survived", "timeout", "no tests")}
        if other:
            print(f"    also: {other}")
        if score < MINIMUM:
            low.append(module)
    for module in MODULES:
        if survivors[module]:
            print(f"\nNot killed in {module} (`mutmut show NAME` prints the change):")
            print("\n".join("    " + s for s in survivors[module]))
    status = 0
    if low:
        print(f"\nbelow {MINIMUM:g}% killed: {', '.join(low)}")
        status = 1
    wrong = spared_code()
    if wrong:
        print(f"\nsetup.cfg's do_not_mutate_patterns spare lines that are not docstrings: {', '.join(wrong)}")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

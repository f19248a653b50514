"""The files the hosted services read: the GitHub Actions workflow (.github/workflows/ci.yml), the script CI runs
(.ci/run), Dependabot's settings (.github/dependabot.yml) and Heroku's app manifest (app.json). Neither service can be
reached from here, so these tests check offline what makes them work, not how each line is worded: every push and
pull request is tested with the README's test command through .ci/run, and nothing else, on each Python of
settings.ini's one list; pip's cache is kept; every make target they name exists; every action is pinned to a commit,
and Dependabot moves the pins weekly; the model is retrained and deployed only on demand, after the tests, one gate at
a time, with the secret; app.json names only settings the app reads, and its Heroku CI script selects tests that
exist. (`make lint` also runs actionlint on the workflow: its syntax, its expressions and the shell of its run:
steps.)"""

import configparser
import json
import os
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from boston_app.app import load_config
from conftest import ROOT, need

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
CI_RUN = ROOT / ".ci" / "run"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
APP_JSON = ROOT / "app.json"
SETTINGS = configparser.ConfigParser(delimiters=["="])
SETTINGS.read(ROOT / "settings.ini", encoding="utf-8")
PYTHONS = SETTINGS["DEFAULT"]["pythons"].split()  # the one list: .ci/run, the workflow's matrix and setup.py read it
README_TEST = ["make", "test"]  # the README's test command: test_ci_run_runs_the_readme_test_command finds it there


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


@pytest.fixture(scope="module")
def app():
    return json.loads(APP_JSON.read_text())


def steps(job):
    return job["steps"]


# ---------------------------------------------------------------- reading the shell the workflow and .ci/run run

OPERATORS = set("();<>|&")
KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "exec", "time", "env", "{"}


def commands(script):
    """The simple commands of a shell script, each as its words, split roughly as a shell splits them (enough to find
    each make and .ci/run command): comments dropped, split at lines, `;`, `&&`, `||` and `|`, leading keywords
    (`if`, `then`, `exec`, ...) and variable assignments (`CI=true`) taken off."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:  # a quote that a later line closes: its words as they stand
            tokens = line.split("#", 1)[0].split()
        words = []
        for token in [*tokens, ";"]:
            if set(token) <= OPERATORS:
                while words and (words[0] in KEYWORDS or re.fullmatch(r"\w+=.*", words[0])):
                    words.pop(0)
                if words:
                    found.append(words)
                words = []
            else:
                words.append(token)
    return found


def job_commands(job):
    return [words for step in steps(job) for words in commands(step.get("run", ""))]


def runs_ci_run(words):
    """Whether a command runs .ci/run (`bash .ci/run`, `.ci/run`, `./.ci/run`)."""
    script = words[1:2] if words[0] in ("bash", "sh") else words[:1]
    return [w.removeprefix("./") for w in script] == [".ci/run"]


def make_targets(words):
    """The targets a `make` command asks for (none for any other command)."""
    if words[0] != "make":
        return []
    targets, rest = [], iter(words[1:])
    for word in rest:
        if word in ("-C", "-f", "-o", "-W", "-I", "--directory", "--file"):
            next(rest, None)  # the option's argument
        elif not word.startswith("-") and "=" not in word:
            targets.append(word)
    return targets


def runs_the_tests(words):
    """Whether a command runs the README's test command, itself or through .ci/run (not `.ci/run --matrix`, which
    only prints the list of Pythons)."""
    return (runs_ci_run(words) and "--matrix" not in words) or README_TEST[1] in make_targets(words)


def jobs_that_test(workflow):
    """The workflow's jobs that run the tests, by name."""
    return {name: job for name, job in workflow["jobs"].items() if any(runs_the_tests(c) for c in job_commands(job))}


def gate_job(workflow):
    (job,) = [job for job in workflow["jobs"].values() if any("gate" in make_targets(c) for c in job_commands(job))]
    return job


def test_commands_finds_each_make_and_ci_run_command():
    script = 'set -e  # a comment: make nothing\nif [ -n "$X" ]; then CI=true make test PYTHON="python3.12"; fi\n'
    script += "bash .ci/run && make -C sub -s gate VENV=.venv-3.13 || exec ./.ci/run\n"
    assert commands(script) == [
        ["set", "-e"],
        ["[", "-n", "$X", "]"],
        ["make", "test", "PYTHON=python3.12"],
        ["fi"],
        ["bash", ".ci/run"],
        ["make", "-C", "sub", "-s", "gate", "VENV=.venv-3.13"],
        ["./.ci/run"],
    ]
    assert [make_targets(c) for c in commands(script)] == [[], [], ["test"], [], [], ["gate"], []]
    assert [runs_ci_run(c) for c in commands(script)] == [False] * 4 + [True, False, True]


# ---------------------------------------------------------------- the workflow and .ci/run


def test_ci_run_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```", quick_start, re.S | re.M)
    assert README_TEST in [c for block in blocks for c in commands(block)], "the README's test command"
    assert any(README_TEST[1] in make_targets(c) for c in commands(CI_RUN.read_text()))


def test_every_push_and_pull_request_is_tested(workflow):
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    jobs = jobs_that_test(workflow)
    assert jobs, "no job runs .ci/run or make test"
    assert [name for name, job in jobs.items() if "if" not in job], "every job that tests runs only sometimes"


def test_a_job_waits_only_for_events_that_start_the_workflow(workflow):
    triggers = workflow[True]
    for name, job in workflow["jobs"].items():
        for event in re.findall(r"github\.event_name == '(\w+)'", job.get("if", "")):
            assert event in triggers, f"{name} waits for {event}, which never starts the workflow"


def test_every_make_target_the_workflow_and_ci_run_name_exists(workflow):
    """`make --dry-run` of each target the workflow's steps and .ci/run ask for: it prints what would run and runs
    nothing, and fails on a target the Makefile does not have."""
    need("make", "the workflow and .ci/run run make")
    named = [c for job in workflow["jobs"].values() for c in job_commands(job)] + commands(CI_RUN.read_text())
    targets = sorted({t for c in named for t in make_targets(c)})
    assert README_TEST[1] in targets
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    for target in targets:
        run = subprocess.run(["make", "--dry-run", target], cwd=ROOT, env=env, capture_output=True, text=True)
        assert run.returncode == 0, f"make {target}: {run.stderr}"


def test_the_list_of_pythons_is_settings_ini_s_and_ci_run_reads_it():
    assert PYTHONS == sorted(PYTHONS, key=lambda v: tuple(map(int, v.split(".")))) and len(set(PYTHONS)) > 1
    assert PYTHONS[0] == SETTINGS["DEFAULT"]["min_python"], "the oldest Python pip installs the package on"
    out = subprocess.run(["bash", str(CI_RUN), "--matrix"], capture_output=True, text=True, check=True).stdout
    name, value = out.strip().split("=", 1)
    assert name == "pythons" and json.loads(value) == PYTHONS
    assert not re.search(r"\b3\.1\d\b", re.sub(r"(?m)^\s*#.*$", "", CI_RUN.read_text())), ".ci/run names a Python"


def test_ci_run_refuses_a_python_not_in_the_list(tmp_path):
    """Run from a copy that holds .ci/run and settings.ini only: were the check gone, `make test` would find no
    Makefile there and stop at once, instead of starting a whole CI run."""
    (tmp_path / ".ci").mkdir()
    for path in (CI_RUN, ROOT / "settings.ini"):
        (tmp_path / path.relative_to(ROOT)).write_bytes(path.read_bytes())
    env = {**os.environ, "PYTHONS": "3.12 3.9"}
    run = subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert run.returncode == 1 and "PYTHONS names 3.9" in run.stderr, run.stdout[-2000:] + run.stderr[-2000:]


def matrix_source(workflow, job):
    """The job that gives `job`'s matrix its Pythons, and the step of it that does: the matrix must be
    `fromJSON(needs.<job>.outputs.<output>)`, that output a step's."""
    match = re.fullmatch(
        r"\$\{\{ fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\) \}\}", job["strategy"]["matrix"]["python"]
    )
    assert match, "the matrix reads the list from a job's output, not a list of its own"
    source, output = match.groups()
    needs = [job["needs"]] if isinstance(job["needs"], str) else job["needs"]
    assert source in needs
    step_id, step_output = re.fullmatch(
        r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", workflow["jobs"][source]["outputs"][output]
    ).groups()
    (step,) = [s for s in steps(workflow["jobs"][source]) if s.get("id") == step_id]
    return step, step_output


def test_each_python_of_the_list_is_tested_on_its_own(workflow):
    jobs = jobs_that_test(workflow)
    assert jobs
    for name, job in jobs.items():
        step, output = matrix_source(workflow, job)
        assert output == "pythons"  # the name .ci/run --matrix prints
        assert re.fullmatch(r'(bash )?(\./)?\.ci/run --matrix >> "\$GITHUB_OUTPUT"', step["run"].strip()), step["run"]
        # each leg runs on its own Python, the container's image, and .ci/run tests that one
        image = (job.get("container") or {}).get("image", "")
        assert re.fullmatch(r"python:\$\{\{ matrix\.python \}\}-\w+", image), name
        assert job["env"]["PYTHONS"] == "${{ matrix.python }}", name


def test_the_job_that_tests_runs_ci_run_and_nothing_else(workflow):
    """Checkout, the Python (the container's image, or setup-python) and pip's cache, then .ci/run: nothing of its
    own (no apt list, no make call), so that CI here and .ci/run anywhere run the same thing."""
    allowed = ("actions/checkout@", "actions/cache@", "actions/setup-python@")
    for name, job in jobs_that_test(workflow).items():
        for step in steps(job):
            if "uses" in step:
                assert step["uses"].startswith(allowed), f"{name}: {step['uses']}"
            else:
                assert commands(step["run"]) in ([[".ci/run"]], [["bash", ".ci/run"]]), f"{name}: {step['run']}"
        assert [s for s in steps(job) if "run" in s], name


def test_pips_cache_is_kept_between_runs(workflow):
    """The cache step keeps pip's default cache, the one .ci/run's environments use (nothing there turns it off),
    keyed on what is installed, with the same Python's older cache restored when that changes."""
    for name, job in jobs_that_test(workflow).items():
        (cache,) = [s for s in steps(job) if s.get("uses", "").startswith("actions/cache@")]
        assert cache["with"]["path"] == "~/.cache/pip", name  # pip's default cache for the user that runs it
        key = cache["with"]["key"]
        assert "${{ matrix.python }}" in key and re.search(r"hashFiles\([^)]*'requirements\.txt'", key), key
        assert cache["with"]["restore-keys"] == key.split("${{ hashFiles")[0], name
        run_step = next(i for i, s in enumerate(steps(job)) if "run" in s)
        assert steps(job).index(cache) < run_step, "the cache is restored before .ci/run installs"
    for path in (CI_RUN, ROOT / "Makefile"):
        assert not re.search(r"no-cache-dir|PIP_NO_CACHE_DIR|PIP_CACHE_DIR", path.read_text()), path.name


def test_dependabot_watches_the_actions_and_pip_weekly():
    config = yaml.safe_load(DEPENDABOT.read_text())
    assert config["version"] == 2
    watched = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(watched) == {"github-actions", "pip"}
    for ecosystem, update in watched.items():
        assert update["directory"] == "/" and update["schedule"]["interval"] == "weekly", ecosystem


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version(workflow):
    uses = [s["uses"] for job in workflow["jobs"].values() for s in steps(job) if "uses" in s]
    assert uses
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
    lines = [line for line in WORKFLOW.read_text().splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert len(lines) == len(uses)
    for line in lines:
        assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), f"no version comment: {line.strip()}"


def test_permissions_are_read_only(workflow):
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert "write" not in json.dumps(job.get("permissions", {})), name


def test_every_job_has_a_timeout(workflow):
    for name, job in workflow["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 90, name


def test_the_gate_runs_on_demand_after_the_tests_one_at_a_time(workflow):
    job = gate_job(workflow)
    assert "workflow_dispatch" in job["if"], "a push or a pull request never retrains or deploys"
    needs = [job["needs"]] if isinstance(job["needs"], str) else job["needs"]
    assert set(jobs_that_test(workflow)) <= set(needs), "deploy only what the whole suite passed on"
    assert job["concurrency"]["cancel-in-progress"] is False, "a gate is never stopped half-way through a deploy"
    assert not re.search(r"github\.(ref|sha|run_id|run_number)", job["concurrency"]["group"]), "one gate at a time"


def test_the_deploy_runs_only_on_main_after_a_promotion_and_with_the_secret(workflow):
    job = gate_job(workflow)
    gate = next(
        i for i, s in enumerate(steps(job)) if any("gate" in make_targets(c) for c in commands(s.get("run", "")))
    )
    (deploy,) = [
        i for i, s in enumerate(steps(job)) if any(c[:2] == ["git", "push"] for c in commands(s.get("run", "")))
    ]
    condition = steps(job)[deploy]["if"]
    assert gate < deploy and not re.search(r"always\(\)|failure\(\)", condition), "only when make gate promoted"
    assert "env.HEROKU_API_KEY != ''" in condition and "refs/heads/main" in condition
    assert job["env"]["HEROKU_API_KEY"] == "${{ secrets.HEROKU_API_KEY }}"
    others = [other for other in workflow["jobs"].values() if other is not job]
    assert "secrets." not in json.dumps([others, steps(job)]), "the secret reaches the gate job's env only"


# ---------------------------------------------------------------- app.json


def names_the_app_reads():
    """Every BOSTON_* and WEB_CONCURRENCY setting named in the package or gunicorn.conf.py."""
    sources = [*sorted((ROOT / "boston_app").glob("*.py")), ROOT / "gunicorn.conf.py"]
    text = "\n".join(p.read_text() for p in sources)
    return set(re.findall(r"[\"']((?:BOSTON_[A-Z_]+)|WEB_CONCURRENCY)[\"']", text))


def test_app_json_has_the_keys_heroku_reads(app):
    expected = {"name", "description", "repository", "keywords", "env", "formation", "buildpacks", "environments"}
    assert expected <= set(app)
    assert app["description"] and all(isinstance(k, str) for k in app["keywords"])


def test_app_json_repository_is_the_one_settings_ini_names(app):
    assert app["repository"] == SETTINGS["DEFAULT"]["git_url"]


def test_app_json_env_is_every_setting_the_app_reads_and_only_those(app):
    assert names_the_app_reads() <= set(app["env"]), "a setting the app reads is missing from app.json"
    # BOSTON_METRICS_TOKEN is read by /metrics (issue 12, point 5); until that lands, this fails naming it
    assert set(app["env"]) <= names_the_app_reads(), "app.json names a setting the app does not read"
    for name, spec in app["env"].items():
        assert spec["description"] and spec["required"] is False, name  # the app starts with none of them set


def test_app_json_env_descriptions_state_the_apps_defaults(app):
    defaults = load_config({})  # the served app's settings: onnx first
    env = app["env"]
    assert f"Unset: {defaults['ENGINE']}." in env["BOSTON_ENGINE"]["description"]
    assert f"Unset: {defaults['MAX_BATCH']}." in env["BOSTON_MAX_BATCH"]["description"]
    assert f"Unset: {defaults['MAX_CONTENT_LENGTH']} " in env["BOSTON_MAX_BODY"]["description"]
    assert load_config({"DYNO": "web.1"})["TRUSTED_PROXIES"] == 1 and defaults["TRUSTED_PROXIES"] == 0
    assert "1 on a dyno" in env["BOSTON_TRUSTED_PROXIES"]["description"]


def test_app_json_formation_and_buildpack(app):
    procfile = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(app["formation"]) <= set(procfile)
    assert app["formation"]["web"] == {"quantity": 1, "size": "basic"}
    assert app["buildpacks"] == [{"url": "heroku/python"}]
    other_managers = ["Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock", "pyproject.toml"]
    assert (ROOT / "requirements.txt").exists()
    assert not [f for f in other_managers if (ROOT / f).exists() and f != "pyproject.toml"], "one package manager"


def heroku_ci_pytest_args(app):
    """The arguments the Heroku CI test script gives pytest."""
    words = shlex.split(app["environments"]["test"]["scripts"]["test"])
    return words[words.index("pytest") + 1 :]


def test_heroku_ci_installs_the_dev_tools_and_selects_tests_that_exist(app):
    scripts = app["environments"]["test"]["scripts"]
    assert "pip install -e '.[dev]'" in scripts["test-setup"]
    args = heroku_ci_pytest_args(app)
    paths = [a for a in args if not a.startswith("-") and a != args[args.index("-m") + 1]]
    assert paths and all((ROOT / p).exists() for p in paths)
    markers = re.findall(r"^\s+(\w+):", (ROOT / "pytest.ini").read_text(), re.M)
    expression = args[args.index("-m") + 1]
    assert set(re.findall(r"\w+", expression)) - {"not", "and", "or"} <= set(markers)


@pytest.mark.slow
def test_heroku_ci_selection_leaves_out_the_browser_and_deploy_tests(app):
    """Heroku CI's dyno has no chromium: the script's selection collects tests, none of the browser ones (nor the
    deploy rehearsal, which builds virtual environments, nor the load tests)."""
    args = [a for a in heroku_ci_pytest_args(app) if a != "-q"]
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    collected = [line for line in out.stdout.splitlines() if "::" in line]
    assert len(collected) > 100
    for module in ["test_browser.py", "test_worker_model.py", "test_deploy.py"]:
        assert not [t for t in collected if module in t], module


def test_deploy_button_points_at_the_repository(app):
    page = (ROOT / "docs" / "deploying.md").read_text()
    button = "[![Deploy](https://www.herokucdn.com/deploy/button.svg)](https://heroku.com/deploy?template={})"
    assert button.format(app["repository"]) in page

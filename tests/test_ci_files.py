"""The files the hosted services read: the GitHub Actions workflow (.github/workflows/ci.yml), the script CI runs
(.ci/run) and Heroku's app manifest (app.json). Neither service can be reached from here, so these tests check offline
what makes them work, not how each line is worded: every push and pull request is tested with the README's test
command (through .ci/run, or `make test` itself) on each Python the package supports, every make target they name
exists, every action is pinned to a commit, and the model is retrained and deployed only on demand, after the
tests, one gate at a time, with the secret; app.json names only settings the app reads, and its Heroku CI script
selects tests that exist. (`make lint` also runs actionlint on the workflow: its syntax, its expressions and the
shell of its run: steps.)"""

import configparser
import json
import os
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from boston_app import speed
from boston_app.core import load_config
from conftest import ROOT, need

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
CI_RUN = ROOT / ".ci" / "run"
APP_JSON = ROOT / "app.json"
SETTINGS = configparser.ConfigParser(delimiters=["="])
SETTINGS.read(ROOT / "settings.ini", encoding="utf-8")
PYTHONS = ["3.11", "3.12", "3.13"]
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
    """Whether a command runs the README's test command, itself or through .ci/run."""
    return runs_ci_run(words) or README_TEST[1] in make_targets(words)


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


def test_each_python_the_package_supports_is_tested_on_its_own(workflow):
    for name, job in jobs_that_test(workflow).items():
        pythons = job["strategy"]["matrix"]["python"]
        assert pythons == PYTHONS, name
        assert pythons[0] == SETTINGS["DEFAULT"]["min_python"], "the oldest Python pip installs the package on"
        # each leg runs on its own Python: the container's image, or the one setup-python installs
        container = job.get("container") or {}
        image = container if isinstance(container, str) else container.get("image", "")
        setup = [s["with"].get("python-version") for s in steps(job) if "/setup-python@" in s.get("uses", "")]
        assert "${{ matrix.python }}" in image or "${{ matrix.python }}" in setup, name


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
    defaults = load_config({}, speed.ENGINES)  # the served app's engines: onnx first
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

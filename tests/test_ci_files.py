"""The files the hosted services read: the GitHub Actions workflow (.github/workflows/ci.yml) and Heroku's app
manifest (app.json). Neither service can be reached from here, so these tests check what can be checked offline:
the workflow runs the README's test command on the three Pythons, pins every action, keeps the executed notebooks and
deploys only with the secret; app.json names only settings the app reads, and its Heroku CI script selects tests
that exist. (`make lint` also runs actionlint on the workflow.)"""

import configparser
import json
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from boston_app.app import load_config
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
APP_JSON = ROOT / "app.json"
SETTINGS = configparser.ConfigParser(delimiters=["="])
SETTINGS.read(ROOT / "settings.ini", encoding="utf-8")
PYTHONS = ["3.11", "3.12", "3.13"]


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


@pytest.fixture(scope="module")
def app():
    return json.loads(APP_JSON.read_text())


def steps(job):
    return job["steps"]


def runs(job):
    """Every shell line the job's steps run."""
    return [line.strip() for s in steps(job) for line in s.get("run", "").splitlines()]


# ---------------------------------------------------------------- the workflow


def test_workflow_runs_on_push_pull_request_weekly_and_on_demand(workflow):
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in triggers["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert day == month == "*" and weekday.isdigit(), "weekly: one day of the week, every week"


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


def test_the_test_matrix_is_exactly_the_pythons_ci_run_tests(workflow):
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"] == {"python": PYTHONS}
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"for version in (.+?); do", ci_run).group(1).split() == PYTHONS
    assert job["runs-on"] == "ubuntu-latest"
    assert job["container"]["image"] == "python:${{ matrix.python }}-bookworm"  # Debian, for Debian's chromium


def test_the_test_job_installs_what_ci_run_installs_and_runs_make_test(workflow):
    job = workflow["jobs"]["test"]
    ci_run = (ROOT / ".ci" / "run").read_text()
    needed = re.search(r"for pkg in (.+?); do", ci_run).group(1).split()
    installs = [line for line in runs(job) if line.startswith("apt-get install")]
    assert len(installs) == 1 and set(needed) <= set(installs[0].split())
    assert 'make test PYTHON="python${{ matrix.python }}"' in runs(job)
    assert any(line.startswith("make setup") for line in runs(job))


def test_the_executed_notebooks_are_kept_outside_the_tree_and_uploaded_per_python(workflow):
    job = workflow["jobs"]["test"]
    assert 'echo "BOSTON_EXECUTED_NOTEBOOKS=$RUNNER_TEMP/executed-notebooks" >> "$GITHUB_ENV"' in runs(job)
    names = [s.get("run", s.get("uses", "")) for s in steps(job)]
    setting = next(i for i, n in enumerate(names) if "BOSTON_EXECUTED_NOTEBOOKS=" in n)
    testing = next(i for i, n in enumerate(names) if "make test" in n)
    (upload,) = [s for s in steps(job) if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert setting < testing < steps(job).index(upload)
    assert upload["if"] == "always()", "a failed run's notebooks are the ones to read"
    assert upload["with"]["path"] == "${{ env.BOSTON_EXECUTED_NOTEBOOKS }}"
    assert "${{ matrix.python }}" in upload["with"]["name"]


def test_the_gate_runs_on_demand_only_after_the_tests(workflow):
    job = workflow["jobs"]["gate"]
    assert job["if"] == "github.event_name == 'workflow_dispatch'"
    assert job["needs"] == "test"
    assert job["concurrency"]["cancel-in-progress"] is False
    assert "make gate" in runs(job)


def test_the_deploy_runs_only_when_the_heroku_secret_is_present(workflow):
    job = workflow["jobs"]["gate"]
    assert job["env"]["HEROKU_API_KEY"] == "${{ secrets.HEROKU_API_KEY }}"
    assert job["env"]["HEROKU_APP_NAME"] == "${{ vars.HEROKU_APP_NAME }}"
    (deploy,) = [s for s in steps(job) if "git.heroku.com" in s.get("run", "")]
    assert "env.HEROKU_API_KEY != ''" in deploy["if"]
    assert steps(job).index(deploy) > next(i for i, s in enumerate(steps(job)) if s.get("run") == "make gate")
    text = WORKFLOW.read_text()
    assert text.count("secrets.") == 1, "the secret reaches the gate job only"


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
    defaults = load_config({})
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


def test_readme_deploy_button_points_at_the_repository(app):
    readme = (ROOT / "README.md").read_text()
    button = "[![Deploy](https://www.herokucdn.com/deploy/button.svg)](https://heroku.com/deploy?template={})"
    assert button.format(app["repository"]) in readme

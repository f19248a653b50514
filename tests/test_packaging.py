"""One source of truth for requirements: settings.ini. requirements.txt (what Heroku installs) must agree with it."""

import configparser
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings():
    cfg = configparser.ConfigParser(delimiters=["="])
    cfg.read(ROOT / "settings.ini")
    return cfg["DEFAULT"]


def requirements_txt():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_requirements_txt_is_the_runtime_requirements_of_settings_ini():
    assert sorted(requirements_txt()) == sorted(settings()["requirements"].split())


def test_every_requirement_is_pinned():
    for req in requirements_txt() + settings()["dev_requirements"].split():
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", req), f"{req} is not pinned with =="


def test_scikit_learn_not_the_sklearn_stub_and_at_the_models_version():
    names = {r.split("==")[0].lower(): r.split("==")[1] for r in requirements_txt()}
    assert "sklearn" not in names
    card = json.loads((ROOT / "model" / "model.json").read_text())
    assert names["scikit-learn"] == card["versions"]["scikit-learn"]
    assert names["numpy"] == card["versions"]["numpy"]


def test_installed_versions_match_the_pins():
    from importlib.metadata import version

    for req in requirements_txt():
        name, pinned = req.split("==")
        assert version(name) == pinned, f"{name}: installed {version(name)}, pinned {pinned}"


def test_procfile_serves_the_exported_app_with_gunicorn():
    assert (ROOT / "Procfile").read_text().strip() == "web: gunicorn boston_app.app:app"


def test_python_version_file_is_a_supported_heroku_python():
    assert (ROOT / ".python-version").read_text().strip() in {"3.11", "3.12", "3.13", "3.14"}
    assert not (ROOT / "runtime.txt").exists(), "runtime.txt is deprecated on Heroku; use .python-version"

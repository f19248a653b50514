"""The package and what Heroku installs.

settings.ini is the one source of truth for requirements: its `requirements` line holds the direct run-time pins, and
requirements.txt (what Heroku installs) is generated from it by `make requirements` (uv), with every transitive
dependency pinned and hashed. Regenerating needs the package index, so these tests do not regenerate: they check the
file against settings.ini and against the environment the tests run in (`make requirements` followed by
`git diff --exit-code requirements.txt` checks it end to end, online).

The slow tests run the Procfile's web: command as Heroku does, and build the package as `python -m build` does from a
fresh clone (an sdist, then a wheel from that sdist), and install the wheel on its own: it is the code only, and must
refuse to serve with one line.
"""

import configparser
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import sysconfig
import tarfile
import time
import tomllib
import zipfile
from importlib.metadata import metadata, requires, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from conftest import BIN, ROOT, SAFE_TAR, start_server, stop_server

# sha256 of the Apache License 2.0 as the Apache Software Foundation publishes it (LICENSE-2.0.txt, appendix included),
# the file that onnx, tornado and scikit-learn-onnx ship verbatim.
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def settings():
    cfg = configparser.ConfigParser(delimiters=["="])
    cfg.read(ROOT / "settings.ini")
    return cfg["DEFAULT"]


def normalize(name):
    """A distribution name in its normal form (PEP 503): `Flask`, `zope.interface` -> `flask`, `zope-interface`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def settings_requirements():
    """settings.ini's run-time `requirements`, each a Requirement (a pin may carry an environment marker)."""
    return [Requirement(r) for r in settings()["requirements"].split()]


def settings_pins():
    """settings.ini's run-time pins that apply on this interpreter and platform, as {name: version}."""
    return {normalize(r.name): pinned_version(r) for r in settings_requirements() if applies(r.marker)}


def pinned_version(requirement):
    """The version of a requirement pinned with ==."""
    (pin,) = requirement.specifier
    assert pin.operator == "==", f"{requirement.name} is not pinned with =="
    return pin.version


def applies(marker):
    """Whether an environment marker (or none) holds on this interpreter and platform."""
    return marker is None or marker.evaluate()


def requirements_txt():
    """requirements.txt as {name: {version, marker, hashes, via}}; where a package is pinned more than once under
    disjoint markers (one version per Python or platform), the entry that applies here."""
    entries = {}
    for name, entry in requirements_lines():
        if name not in entries or applies(entry["marker"]):
            entries[name] = entry
    return entries


def requirements_lines():
    """Every entry of requirements.txt as (name, {version, marker, hashes, via}): pip's continued lines joined, uv's
    `# via` read (a `-c constraints.txt` there is the constraint file, not a package)."""
    entries, current = [], None
    lines = iter((ROOT / "requirements.txt").read_text().splitlines())
    for line in lines:
        if re.match(r"[A-Za-z0-9]", line):
            while line.endswith("\\"):
                line = line[:-1] + next(lines)
            spec, *hashes = line.split("--hash=")
            requirement = Requirement(spec.strip())
            current = {
                "version": pinned_version(requirement),
                "marker": requirement.marker,
                "hashes": [h.strip() for h in hashes],
                "via": [],
            }
            entries.append((normalize(requirement.name), current))
        elif current is not None and line.lstrip().startswith("#"):
            needed_by = line.lstrip("# ").removeprefix("via").strip()  # `# via flask`, or `# via` then `#   flask`
            if needed_by and not needed_by.startswith("-c "):
                current["via"].append(normalize(needed_by))
    return entries


def applies_here(entry):
    """Whether pip installs this entry on this interpreter and platform (its environment marker, if any, holds)."""
    return entry["marker"] is None or entry["marker"].evaluate()


def dependencies(name):
    """The names of the packages the installed distribution `name` needs here (no extras)."""
    for text in requires(name) or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            yield normalize(req.name)


def closure(names):
    """`names` and every package they need here, transitively, from the installed distributions' metadata."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(dependencies(name))
    return seen


def test_direct_pins_of_requirements_txt_are_settings_ini_requirements():
    pinned = requirements_txt()
    for name, want in settings_pins().items():
        assert name in pinned, f"{name}: in settings.ini, not in requirements.txt: run make requirements"
        assert pinned[name]["version"] == want, (
            f"{name}: settings.ini {want}, requirements.txt {pinned[name]['version']}"
        )
    for req in settings_requirements():
        lines = {(name, e["version"], e["marker"]) for name, e in requirements_lines()}
        if req.marker is None:  # a direct pin without a marker applies everywhere
            assert (normalize(req.name), pinned_version(req), None) in lines, f"{req}: run make requirements"
        else:  # a pin for some Pythons only: requirements.txt pins that version under some marker
            assert any(n == normalize(req.name) and v == pinned_version(req) for n, v, _ in lines), req


def test_every_other_line_of_requirements_txt_is_needed_by_one_in_it():
    pinned = requirements_txt()
    for name, entry in pinned.items():
        if name not in settings_pins():
            assert entry["via"], f"{name}: neither in settings.ini nor needed by anything: run make requirements"
            assert set(entry["via"]) <= set(pinned), f"{name}: needed by {entry['via']}, not all of them pinned"


def test_requirements_txt_is_the_whole_dependency_tree_here():
    """Here, the entries pip installs are exactly settings.ini's pins and what they need, transitively."""
    here = {name for name, entry in requirements_txt().items() if applies_here(entry)}
    assert here == closure(settings_pins())


def test_every_package_in_requirements_txt_has_hashes():
    for name, entry in requirements_lines():
        assert entry["hashes"], f"{name} has no --hash: pip's hash-checking mode refuses the file"
        for h in entry["hashes"]:
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", h), f"{name}: {h}"


def test_installed_versions_match_the_pins():
    """The environment the tests run in has exactly the versions Heroku installs, transitive ones included."""
    for name, entry in requirements_txt().items():
        if applies_here(entry):
            assert version(name) == entry["version"], f"{name}: installed {version(name)}, pinned {entry['version']}"


def test_every_requirement_in_settings_ini_is_pinned():
    for req in settings()["requirements"].split() + settings()["dev_requirements"].split():
        pin = req.split(";")[0]  # a pin may be for some Pythons only: `shap==0.51.0;python_version<"3.12"`
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", pin), f"{req} is not pinned with =="


def test_scikit_learn_not_the_sklearn_stub_and_at_the_models_version():
    pinned = requirements_txt()
    assert "sklearn" not in pinned
    card = json.loads((ROOT / "model" / "model.json").read_text())
    assert pinned["scikit-learn"]["version"] == card["versions"]["scikit-learn"]
    assert pinned["numpy"]["version"] == card["versions"]["numpy"]


def test_pyproject_toml_declares_the_build_and_nothing_else():
    """setuptools reads setup.py's license_expression from version 77 on, so the build asks for it; the metadata stays
    in settings.ini (nbdev's source, which setup.py reads), and nbdev_export leaves pyproject.toml alone."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert list(pyproject) == ["build-system"], "pyproject.toml holds the build only: metadata goes in settings.ini"
    build = pyproject["build-system"]
    assert build["build-backend"] == "setuptools.build_meta"
    requires = {normalize(r.name): r.specifier for r in map(Requirement, build["requires"])}
    assert set(requires) == {"setuptools", "wheel"}
    assert "77.0" in requires["setuptools"] and "76.9" not in requires["setuptools"], requires["setuptools"]
    assert settings()["update_pyproject"] == "False", "nbdev_export would write a [project] table"


# The files by which Heroku's Python buildpack picks a package manager: it refuses a repository with more than one.
PACKAGE_MANAGER_FILES = ["requirements.txt", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock"]


def test_heroku_finds_one_package_manager_file():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    found = [f for f in PACKAGE_MANAGER_FILES if f in tracked or (ROOT / f).exists()]
    assert found == ["requirements.txt"]
    pyproject = ROOT / "pyproject.toml"
    if pyproject.exists():
        for tool in ("poetry", "uv", "pdm"):
            assert f"[tool.{tool}" not in pyproject.read_text(), f"pyproject.toml configures {tool}"


def procfile():
    """The Procfile's process types as Heroku reads them: {name: command}."""
    types = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if match := re.fullmatch(r"([A-Za-z0-9_-]+):\s*(.*\S)\s*", line):
            types[match[1]] = match[2]
    return types


@pytest.mark.slow
def test_procfile_web_command_serves_the_model_on_the_port_heroku_gives():
    """Heroku sends HTTP to the `web` process only, and runs its command with bash, the port to listen on in PORT.
    Run so here, on a free loopback port (start_server sets PORT, and HOST to loopback), the command answers GET
    /health on that port with 200 (start_server waits for it, and fails when nothing answers), serving the committed
    model."""
    path = f"{BIN}{os.pathsep}{os.environ['PATH']}"  # the command finds gunicorn on PATH, as on a dyno
    server = start_server(command=["bash", "-c", procfile()["web"]], env={"PATH": path}, timeout=60)
    try:
        health = server.get("/health")
        assert health.status_code == 200, health.text
        card = json.loads((ROOT / "model" / "model.json").read_text())
        assert health.json()["model_sha256"] == card["artifacts"][health.json()["model_file"]]["sha256"]
    finally:
        stop_server(server)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGKILL)  # anything the command started that outlived it


def test_the_package_claims_only_the_pythons_ci_tests():
    """setup.py's classifiers are settings.ini's `pythons`, the list .ci/run and the workflow test (tests/
    test_ci_files.py), and pip installs the package on those Pythons only: from the first of them up to the last
    (3.13.x, not 3.14). Read from the installed metadata, which `make setup` rewrites whenever settings.ini or
    setup.py changes."""
    meta = metadata("boston_app")
    prefix = "Programming Language :: Python :: "
    claimed = [c.removeprefix(prefix) for c in meta.get_all("Classifier") if c.startswith(prefix)]
    pythons = settings()["pythons"].split()
    assert claimed == pythons, "the installed metadata is stale? run make setup"
    assert settings()["min_python"] == claimed[0]
    requires_python = SpecifierSet(meta["Requires-Python"])
    for python in pythons:
        assert requires_python.contains(f"{python}.0") and requires_python.contains(f"{python}.99"), python
    first, last = (tuple(map(int, p.split("."))) for p in (pythons[0], pythons[-1]))
    below, above = f"{first[0]}.{first[1] - 1}.99", f"{last[0]}.{last[1] + 1}.0"  # 3.10.99 and 3.14.0
    assert not requires_python.contains(below) and not requires_python.contains(above), meta["Requires-Python"]


def dyno_markers(python):
    """The environment markers pip evaluates on a Heroku dyno (Linux x86_64, CPython) running Python `python`."""
    return {
        "python_version": python,
        "python_full_version": python + ".0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "platform_python_implementation": "CPython",
        "implementation_name": "cpython",
        "os_name": "posix",
    }


def test_python_version_file_is_a_python_ci_tests_where_the_deploy_is_light():
    """Heroku installs the Python `.python-version` names (runtime.txt is deprecated): one of the Pythons CI tests,
    and one on which requirements.txt installs neither numba nor llvmlite. shap needs them below Python 3.12 only,
    and they are about 200 MB of the deploy there (tools/deploy_size.py; docs/deploying.md has the figures)."""
    python = (ROOT / ".python-version").read_text().strip()
    assert python in settings()["pythons"].split(), f".python-version says {python}, which CI does not test"
    assert not (ROOT / "runtime.txt").exists(), "runtime.txt is deprecated on Heroku; use .python-version"
    on_dyno = {
        name
        for name, entry in requirements_lines()
        if entry["marker"] is None or entry["marker"].evaluate(dyno_markers(python))
    }
    assert {"flask", "gunicorn", "onnxruntime", "shap"} <= on_dyno  # the markers were read
    assert not on_dyno & {"numba", "llvmlite"}, (
        f"Python {python} on a dyno installs {sorted(on_dyno & {'numba', 'llvmlite'})}"
    )


def deploy_size():
    """tools/deploy_size.py as a module: its reading of .slugignore is the one these tests check."""
    spec = importlib.util.spec_from_file_location("deploy_size", ROOT / "tools" / "deploy_size.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tracked(*paths):
    """The tracked files at or under `paths` (relative, with /)."""
    out = subprocess.run(["git", "ls-files", "-z", "--", *paths], cwd=ROOT, capture_output=True, text=True, check=True)
    return [p for p in out.stdout.split("\0") if p]


def test_slugignore_reads_as_gitignore_without_negation():
    ignores = deploy_size().slug_ignores
    assert ignores("bench/run.py", ["/bench/"]) and ignores("bench/a/b.py", ["/bench"])
    assert not ignores("nbs/bench/run.py", ["/bench/"]) and ignores("nbs/bench/run.py", ["bench/"])  # anchored or not
    assert ignores("docs/form.png", ["*.png"]) and not ignores("docs/form.png", ["/*.png"])
    assert ignores("nbs/ruff.toml", ["/nbs/ruff.toml"]) and not ignores("ruff.toml", ["/nbs/ruff.toml"])
    assert not ignores("bench", ["bench/"])  # a file named bench: `bench/` matches folders only
    assert ignores("a/b/c/d.txt", ["a/**/d.txt"]) and not ignores("a/b/d.txt", ["a/*/c/d.txt"])
    with pytest.raises(ValueError, match="negation"):
        ignores("model/model.pkl", ["/model", "!/model/model.pkl"])


def test_slugignore_keeps_what_the_dyno_and_heroku_ci_read():
    """Heroku removes .slugignore's files before the build, for the web dyno and for Heroku CI's test app alike.
    Kept: every file of the folders the served app opens (the package, the model folder it loads by default, the
    templates and static folders Flask serves from), the Procfile and gunicorn.conf.py it starts from, the two files
    the build reads; and what Heroku CI runs (app.json's test scripts): `pip install -e '.[dev]'` (setup.py and what
    it reads), pytest's settings and the test paths of its script. Something is removed, or the file does nothing."""
    from boston_app import core
    from boston_app.model import default_model_dir

    tool = deploy_size()
    patterns = tool.slugignore_patterns(ROOT)
    folders = [Path(core.__file__).parent, default_model_dir(), core.ROOT / "templates", core.ROOT / "static"]
    dyno = tracked(*(str(f.relative_to(ROOT)) for f in folders), "Procfile", "gunicorn.conf.py")
    build = ["requirements.txt", ".python-version"]
    app = json.loads((ROOT / "app.json").read_text())["environments"]["test"]["scripts"]
    assert "pip install -e '.[dev]'" in app["test-setup"] and app["test"].endswith(" tests")
    ci = tracked("setup.py", "settings.ini", "pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "pytest.ini")
    ci += tracked("conftest.py", "tests", "nbval-sanitize.cfg")
    assert len(dyno) > 20 and "model/model.onnx" in dyno and "templates/main.html" in dyno and len(ci) > 30
    removed = [p for p in dyno + build + ci if tool.slug_ignores(p, patterns)]
    assert not removed, f".slugignore removes files a dyno or Heroku CI needs: {removed[:5]}"
    everything = tracked(".")
    assert len(tool.app_files(ROOT)) < len(everything), ".slugignore removes nothing"


def test_license_is_the_apache_2_text_settings_ini_names():
    assert settings()["license"] == "apache2"
    assert hashlib.sha256((ROOT / "LICENSE").read_bytes()).hexdigest() == APACHE_2_SHA256


def test_placeholder_identity_fields_are_named_for_forks():
    """While settings.ini's identity fields are placeholders, it and docs/development.md (Forking) tell a fork to
    replace them."""
    fields = ["user", "git_url", "doc_host", "author_email"]
    placeholders = [f for f in fields if "example" in settings()[f]]
    text = (ROOT / "settings.ini").read_text()
    page = (ROOT / "docs" / "development.md").read_text()
    for field in placeholders:
        assert f"`{field}`" in text, f"settings.ini does not say that a fork replaces {field}"
        assert f"`{field}`" in page, f"docs/development.md does not say that a fork replaces {field}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """`python -m build` on the committed files (`git archive HEAD`, as a fresh clone has them): the sdist, then
    the wheel built from that sdist. Returns (sdist, wheel, build's output, seconds)."""
    tmp = tmp_path_factory.mktemp("build")
    src, dist = tmp / "src", tmp / "dist"
    src.mkdir()
    tar = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
    (tmp / "src.tar").write_bytes(tar)
    with tarfile.open(tmp / "src.tar") as t:
        t.extractall(src, **SAFE_TAR)
    started = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(src)], capture_output=True, text=True)
    seconds = time.monotonic() - started
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    return sdist, wheel, r.stdout + r.stderr, seconds


@pytest.mark.slow
def test_build_makes_an_sdist_that_builds_the_wheel(built):
    sdist, wheel, out, seconds = built
    assert "Building wheel from sdist" in out  # build's default: the wheel comes from the sdist, not the tree
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert {"pyproject.toml", "setup.py", "settings.ini", "README.md", "LICENSE", "boston_app/app.py"} <= names
    assert seconds < 30


@pytest.mark.slow
def test_wheel_is_the_code_only(built):
    _, wheel, _, _ = built
    names = zipfile.ZipFile(wheel).namelist()
    code = [n for n in names if not n.startswith("boston_app-")]
    assert code and all(re.fullmatch(r"boston_app/\w+\.py", n) for n in code), code
    assert "boston_app-0.1.0.dist-info/licenses/LICENSE" in names
    assert not any(part in n for n in names for part in ("templates/", "static/", "model/"))


@pytest.mark.slow
def test_wheel_alone_refuses_to_serve_with_one_line(built, tmp_path):
    """The wheel installed without a checkout beside it: importing the app stops the process with one line.
    Its dependencies come from the test environment (a .pth file), so nothing is downloaded."""
    _, wheel, _, _ = built
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = ["install", "--quiet", "--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)]
    subprocess.run([sys.executable, "-m", "pip", "--python", python, *install], check=True)
    (site,) = venv.glob("lib/python3.*/site-packages")
    (site / "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOSTON_", "FLASK_"))}

    def run(code):
        return subprocess.run([python, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)

    where = run("import boston_app; print(boston_app.__file__)").stdout.strip()
    assert Path(where).is_relative_to(site), f"boston_app imported from {where}, not the wheel"
    r = run("from boston_app.app import app")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines == [
        f"boston_app: cannot start: templates/ not found at {site.resolve() / 'templates'}; the wheel carries the "
        "code only: serve from a checkout (git clone, make serve)"
    ], r.stderr

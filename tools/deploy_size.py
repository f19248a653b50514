"""How big the deploy is: requirements.txt installed as Heroku's Python buildpack installs it, measured.

    python tools/deploy_size.py                 # the Python .python-version names
    python tools/deploy_size.py --python 3.11   # another version, or a path to an interpreter

In a temporary folder it makes a fresh virtual environment of that Python and runs the buildpack's install command,
`pip install -r requirements.txt` (the buildpack's flags, no dev extras, nothing else; pip compiles bytecode, as
there). It then prints:

- the installed size of the environment without bytecode caches (`__pycache__/`, `*.pyc`), and with them;
- the size of a tar.gz (gzip level 6, as `tar -czf`) of what a slug holds: the app files (the files git ships,
  tracked or new and not git-ignored, minus the patterns of `.slugignore`) plus the environment with its bytecode,
  as the buildpack leaves it; and the same without the bytecode;
- the TOP largest installed packages (their files as pip recorded them, bytecode not counted), and why each is
  there: a direct pin of settings.ini's `requirements`, or needed by which packages (requirements.txt's `# via`).

Sizes are file sizes (bytes as stored, not disk blocks) in MB = 10^6 bytes. Not counted: the Python
runtime the buildpack adds to the slug (here the venv only links to an interpreter). The figures depend on the
Python and the platform: run it on Linux x86_64 for Heroku's. docs/deploying.md quotes them. Nothing is written
outside the temporary folder (removed at the end unless --keep).
"""

import argparse
import configparser
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 10**6
# The buildpack's `pip install` flags (heroku-buildpack-python, lib/pip.sh). --no-cache-dir is left out by default:
# it changes only where the wheels come from, not what is installed (--no-cache-dir puts it back).
BUILDPACK_FLAGS = ["--disable-pip-version-check", "--exists-action=w", "--no-input", "--progress-bar", "off"]

# Run inside the new environment: each installed distribution's bytes from its RECORD, bytecode left out.
PACKAGE_SIZES = r"""
import importlib.metadata, json, os, stat
sizes = {}
for dist in importlib.metadata.distributions():
    total = 0
    for f in dist.files or []:
        if "__pycache__" in f.parts or f.suffix == ".pyc":
            continue
        try:
            st = os.lstat(f.locate())
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            total += st.st_size
    sizes[dist.metadata["Name"]] = total
print(json.dumps(sizes))
"""


def runs(python):
    """True when `python` starts and has venv (pyenv's shims refuse a version pyenv has not selected)."""
    try:
        return subprocess.run([python, "-c", "import venv"], capture_output=True, timeout=60).returncode == 0
    except OSError:
        return False


def find_python(version):
    """An interpreter of `version` ("3.13") on this machine, as .ci/run finds one: on PATH, then pyenv's versions,
    then uv's managed Pythons. None when there is none."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True)
    if shutil.which("uv"):
        found = subprocess.run(["uv", "python", "find", version], capture_output=True, text=True)
        candidates.append(found.stdout.strip() if found.returncode == 0 else None)
    return next((c for c in candidates if c and runs(c)), None)


def slugignore_patterns(root):
    """The patterns of `root`/.slugignore (comments and blank lines dropped); [] when there is none."""
    path = Path(root) / ".slugignore"
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def slug_ignores(path, patterns):
    """Whether `path` (relative, with /) is removed by one of `patterns`, read as .gitignore reads them (Heroku: "the
    format is roughly the same as .gitignore", without `!`): a pattern with a slash other than a trailing one is
    anchored at the root, one without matches a name at any depth; a trailing slash matches folders only; removing
    a folder removes everything in it."""
    for pattern in patterns:
        if pattern.startswith("!"):
            raise ValueError(f".slugignore: {pattern!r}: Heroku does not support negation")
    parts = path.split("/")
    for pattern in patterns:
        folder_only = pattern.endswith("/")
        body = pattern.rstrip("/")
        anchored = "/" in body
        body = body.lstrip("/")
        for depth in range(1, len(parts) + 1):
            if folder_only and depth == len(parts):
                break  # the path itself is a file
            here = parts[:depth]
            target = "/".join(here) if anchored else here[-1]
            if re.fullmatch(glob_regex(body), target):
                return True
    return False


def glob_regex(pattern):
    """A glob as a regular expression in which `*`, `?` and `[...]` do not cross a slash and `**` does."""
    out = ""
    for token in re.split(r"(\*\*/?|\*|\?|\[[^\]]*\])", pattern):
        if token in ("**", "**/"):
            out += ".*"
        elif token == "*":
            out += "[^/]*"
        elif token == "?":
            out += "[^/]"
        elif token.startswith("[") and token.endswith("]") and len(token) > 2:
            out += "[" + ("^" + token[2:-1] if token[1] == "!" else token[1:-1]) + "]"
        else:
            out += re.escape(token)
    return out


def app_files(root):
    """The files a slug takes from the repository: tracked or new and not git-ignored, that exist, minus
    .slugignore's patterns (relative paths, sorted)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    patterns = slugignore_patterns(root)
    return sorted(p for p in set(listed) if p and (Path(root) / p).is_file() and not slug_ignores(p, patterns))


def is_bytecode(path):
    return "__pycache__" in Path(path).parts or str(path).endswith(".pyc")


def tree_bytes(folder, bytecode):
    """Bytes of the regular files under `folder` (symlinks not followed), bytecode counted or not."""
    total = 0
    for d, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(d, f)
            if (bytecode or not is_bytecode(p)) and os.path.isfile(p) and not os.path.islink(p):
                total += os.lstat(p).st_size
    return total


def slug_archive(out, root, files, venv, bytecode):
    """Bytes of a tar.gz of the app `files` (under app/) and `venv` (under app/.heroku/python), as a slug holds them."""
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        for f in files:
            tar.add(Path(root) / f, arcname=f"app/{f}", recursive=False)
        tar.add(
            venv,
            arcname="app/.heroku/python",
            filter=None if bytecode else lambda t: None if is_bytecode(t.name) else t,
        )
    return Path(out).stat().st_size


def via(requirements):
    """{package: [the packages that need it]} from requirements.txt's `# via` comments (uv pip compile's)."""
    needed_by, current, listing = {}, None, False
    for line in Path(requirements).read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9._-]+)==", line):
            current, listing = normalise(m[1]), False
            needed_by.setdefault(current, [])
        elif current and (m := re.match(r"^\s+# via(?: (.+))?$", line)):
            if m[1]:
                needed_by[current].append(m[1].strip())
            listing = not m[1]
        elif current and listing and (m := re.match(r"^\s+#\s+(\S+)$", line)):
            needed_by[current].append(m[1])
    return needed_by


def direct_pins(root):
    """The normalised names settings.ini's `requirements` line pins: the service's direct dependencies."""
    cfg = configparser.ConfigParser(delimiters=["="])
    cfg.read(Path(root) / "settings.ini", encoding="utf-8")
    line = cfg["DEFAULT"].get("requirements", "") if "DEFAULT" in cfg else ""
    return {normalise(re.split(r"[=<>!~;\[ ]", r)[0]) for r in line.split()}


def why(name, needed_by, direct):
    """Why `name` is installed: a direct pin, needed by others, or the environment's own installer."""
    key = normalise(name)
    if key in direct:
        return "a direct pin" + (f", also needed by {', '.join(needed_by[key])}" if needed_by.get(key) else "")
    if key in needed_by:
        return "needed by " + ", ".join(needed_by[key])
    return "not in requirements.txt: the environment's installer"


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def measure(python, requirements, root, top, keep=None, no_cache=False):
    """Install and measure; returns the figures as a dict (sizes in bytes)."""
    tmp = Path(keep or tempfile.mkdtemp(prefix="deploy-size-"))
    venv = tmp / "venv"
    try:
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        vpython = venv / "bin" / "python"
        version = subprocess.run(
            [vpython, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True
        ).stdout.strip()
        install = [vpython, "-m", "pip", "install", "-r", str(requirements), *BUILDPACK_FLAGS]
        subprocess.run(install + (["--no-cache-dir"] if no_cache else []) + ["--quiet"], check=True, cwd=root)
        sizes = json.loads(subprocess.run([vpython, "-c", PACKAGE_SIZES], capture_output=True, text=True).stdout)
        files = app_files(root)
        needed_by, direct = via(requirements), direct_pins(root)
        return {
            "python": version,
            "requirements": str(requirements),
            "installed": tree_bytes(venv, bytecode=False),
            "installed_with_bytecode": tree_bytes(venv, bytecode=True),
            "app_files": len(files),
            "app_bytes": sum((Path(root) / f).stat().st_size for f in files),
            "slug_tar_gz": slug_archive(tmp / "slug.tar.gz", root, files, venv, bytecode=True),
            "slug_tar_gz_without_bytecode": slug_archive(tmp / "slug-nopyc.tar.gz", root, files, venv, bytecode=False),
            "packages": dict(sorted(sizes.items(), key=lambda kv: -kv[1])[:top]),
            "why": {name: why(name, needed_by, direct) for name in sizes},
        }
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def report(r):
    mb = lambda n: f"{n / MB:.0f} MB"  # noqa: E731
    print(f"Python {r['python']}, pip install -r {r['requirements']} (the buildpack's command)")
    print(f"installed, without bytecode caches: {mb(r['installed'])} (with them: {mb(r['installed_with_bytecode'])})")
    print(
        f"slug as tar.gz (environment with its bytecode + {r['app_files']} app files, {mb(r['app_bytes'])}): "
        f"{mb(r['slug_tar_gz'])} (without bytecode: {mb(r['slug_tar_gz_without_bytecode'])})"
    )
    print(f"the {len(r['packages'])} largest packages (installed, without bytecode):")
    for name, size in r["packages"].items():
        print(f"  {size / MB:6.1f} MB  {name}  ({r['why'][name]})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = (ROOT / ".python-version").read_text().strip()
    parser.add_argument("--python", default=default, help=f"a version or an interpreter's path (default {default})")
    parser.add_argument("--requirements", default=str(ROOT / "requirements.txt"), type=Path)
    parser.add_argument("--root", default=str(ROOT), type=Path, help="the checkout whose app files the slug takes")
    parser.add_argument("--top", default=10, type=int, help="how many packages to list (default 10)")
    parser.add_argument("--keep", help="build in this folder and keep it, instead of a temporary one")
    parser.add_argument("--no-cache-dir", action="store_true", help="download every wheel, as the buildpack does")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    python = args.python if os.sep in args.python else find_python(args.python)
    if not python or not runs(python):
        sys.exit(f"deploy_size: no working Python {args.python} found (PATH, pyenv, uv); give --python PATH")
    if not args.requirements.is_file():
        sys.exit(f"deploy_size: {args.requirements}: no such file")
    r = measure(python, args.requirements.resolve(), args.root.resolve(), args.top, args.keep, args.no_cache_dir)
    print(json.dumps(r, indent=2)) if args.json else report(r)


if __name__ == "__main__":
    main()

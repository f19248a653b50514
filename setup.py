"""Package metadata, read from settings.ini (nbdev 2 layout)."""

from configparser import ConfigParser

import setuptools

config = ConfigParser(delimiters=["="])
config.read("settings.ini", encoding="utf-8")
cfg = config["DEFAULT"]

# settings.ini's `license` as an SPDX expression (setuptools 77+ reads it; the old License classifiers are deprecated).
licenses = {"apache2": "Apache-2.0"}
statuses = [
    "1 - Planning",
    "2 - Pre-Alpha",
    "3 - Alpha",
    "4 - Beta",
    "5 - Production/Stable",
    "6 - Mature",
    "7 - Inactive",
]
license_expression = licenses[cfg["license"]]
min_python = cfg["min_python"]
# settings.ini's `pythons`: the Pythons CI tests, the only ones the classifiers claim.
py_versions = cfg["pythons"].split()
if py_versions[0] != min_python:
    raise SystemExit(f"settings.ini: pythons starts at {py_versions[0]}, min_python is {min_python}")
# pip installs the package on those Pythons only: from the first up to, not including, the minor after the last.
major, minor = map(int, py_versions[-1].split("."))
python_requires = f">={min_python},<{major}.{minor + 1}"

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    license_expression=license_expression,
    license_files=["LICENSE"],
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"]) - 1],  # status = 3 is "3 - Alpha"
        "Intended Audience :: " + cfg["audience"].title(),
        "Natural Language :: " + cfg["language"].title(),
    ]
    + ["Programming Language :: Python :: " + v for v in py_versions],
    url=cfg["git_url"],
    packages=setuptools.find_packages(include=["boston_app", "boston_app.*"]),
    include_package_data=True,
    install_requires=cfg["requirements"].split(),
    extras_require={"dev": cfg["dev_requirements"].split()},
    python_requires=python_requires,
    zip_safe=False,
    entry_points={"nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)

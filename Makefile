# The two quick-start commands are `make serve` and `make test`; both set everything up first.
# Needs only python3 (3.11+) on PATH and the package registries.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
NOTEBOOKS := $(sort $(wildcard nbs/[0-9]*.ipynb nbs/lecture_*.ipynb nbs/production_*.ipynb))
# nbstripout keeps outputs and execution counts (nbval needs both) and drops run-specific metadata.
STRIP := nbstripout --keep-output --keep-count --keep-id --extra-keys "metadata.papermill cell.metadata.papermill cell.metadata.execution metadata.language_info metadata.widgets"

.PHONY: setup serve model retrain gate check test lint format check-sync notebooks bench bench-venv mutate clean requirements

setup: $(VENV)/.installed

$(VENV)/.installed: settings.ini setup.py requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The run-time packages at exactly the versions requirements.txt deploys (transitive ones included).
	$(BIN)/python -m pip install --quiet -e ".[dev]" -c <(grep -oE '^[A-Za-z0-9._-]+==[^ ]+( ; [^\\]+[^ \\])?' requirements.txt)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	# nbdev_prepare and nbdev_clean drop the execution counts nbval needs (docs/development.md, Rules): in this
	# environment each refuses with one line saying what to run instead (tests/test_notebooks.py checks it).
	printf '#!/bin/sh\necho "%s" >&2\nexit 1\n' "nbdev_prepare strips the execution counts nbval needs: run make check, or make notebooks to re-run them" >$(BIN)/nbdev_prepare
	printf '#!/bin/sh\necho "%s" >&2\nexit 1\n' "nbdev_clean strips the execution counts nbval needs: run make notebooks instead" >$(BIN)/nbdev_clean
	chmod +x $(BIN)/nbdev_prepare $(BIN)/nbdev_clean
	touch $@

# Train with the notebook's default parameters, only when the model is absent.
model: setup
	@test -f model/model.json || $(MAKE) --no-print-directory retrain

retrain: setup
	out=$$(mktemp --suffix=.ipynb) && cd nbs && papermill --no-progress-bar --log-level WARNING -k python3 lecture_2_train.ipynb $$out && rm -f $$out

# The CD4ML gate (lesson nbs/production_7_retrain_gate.ipynb): train CANDIDATE, compare it with the model in GATE_MODEL_DIR on the
# same held-out rows, and replace that folder (atomically, card version + 1) only when it does not regress beyond the
# notebook's tolerances. Prints one line. Exit status 0: promoted. Otherwise the recipe exits 1 (refused, model
# untouched) or 2 (the gate could not run: the log's end is printed), make says which ("Error 1"), and exits 2.
# GATE_OUTPUT=dir keeps the executed notebook, its log and gate-report.json there (a CI artifact); otherwise they go
# to a temporary folder that is removed.
CANDIDATE ?= next_month
GATE_MODEL_DIR ?= $(CURDIR)/model
GATE_VERDICT := import json, sys; r = json.load(open(sys.argv[1])); print(r["line"]); sys.exit(0 if r["promoted"] else 3)
gate: setup
	@out=$${GATE_OUTPUT:-$$(mktemp -d)} && mkdir -p "$$out" && out=$$(cd "$$out" && pwd) && rm -f "$$out/gate-report.json"; \
	papermill --no-progress-bar --log-level WARNING -k python3 --cwd nbs nbs/production_7_retrain_gate.ipynb \
		"$$out/production_7_retrain_gate.ipynb" -p model_dir "$(abspath $(GATE_MODEL_DIR))" -p candidate "$(CANDIDATE)" \
		-p report "$$out/gate-report.json" -p in_place True >"$$out/gate.log" 2>&1; ran=$$?; \
	python -c '$(GATE_VERDICT)' "$$out/gate-report.json" 2>/dev/null; verdict=$$?; \
	if [ $$ran -eq 0 ] && [ $$verdict -eq 0 ]; then status=0; \
	elif [ $$ran -ne 0 ] && [ $$verdict -eq 3 ]; then status=1; \
	else tail -n 15 "$$out/gate.log"; echo "gate: could not run; the log's end is above"; status=2; fi; \
	[ -n "$(GATE_OUTPUT)" ] || rm -rf "$$out"; exit $$status

# Serve through the Procfile's own command, as Heroku runs it: http://127.0.0.1:5000 unless PORT says otherwise.
serve: model
	honcho start web

# The fast loop, to run while editing: lint, the notebooks-package sync check, and every test that starts no process
# (no server, no notebook, no browser: the tests not marked slow; conftest.py says how a test is marked). Under a
# minute once set up; it prints how long it took. BOSTON_NO_SERVERS=1 makes a test that starts gunicorn or a
# notebook fail, saying to mark it slow. ARGS goes to pytest: `make check ARGS="--lf"` reruns the last failures.
# Last, it prints the lessons' reading-time table (tools/budget.py --table only prints; without --table it also
# checks the budgets, which tests/test_course_budget.py enforces).
check: setup
	@SECONDS=0; $(MAKE) --no-print-directory lint check-sync \
	  && BOSTON_NO_SERVERS=1 pytest -q -m "not slow" tests $(ARGS); status=$$?; \
	  python tools/budget.py --table || status=1; \
	  echo "make check: $$SECONDS s (lint, sync check, the tests that start no process, the lessons table)"; exit $$status

# Every test: notebooks and package in sync, notebooks executed, stored outputs checked, the service end to end.
# The working tree (tracked files and untracked ones git does not ignore) must be the same after the tests as before.
# ARGS goes to pytest (`make test ARGS="-x tests/test_contract.py"`). STATIC=skip leaves out lint and the sync check,
# which do not depend on the Python: .ci/run runs them once, with the first Python, not once per Python.
TREE_STATE := { git status --porcelain --untracked-files=all && git diff; }
test: setup $(if $(filter skip,$(STATIC)),,lint check-sync)
	@$(TREE_STATE) > $(VENV)/tree-before
	@SECONDS=0; pytest $(ARGS); status=$$?; echo "make test: pytest took $$SECONDS s"; exit $$status
	@$(TREE_STATE) > $(VENV)/tree-after
	@cmp -s $(VENV)/tree-before $(VENV)/tree-after || { diff $(VENV)/tree-before $(VENV)/tree-after | head -20; echo "the tests changed the working tree (tests write to temporary folders only)"; exit 1; }

# ruff owns layout and lints (ruff.toml; nbs/ruff.toml keeps lesson lines to 100 characters): notebooks included.
# actionlint checks the GitHub Actions workflows (.github/workflows/), and the shell in their run: steps when
# shellcheck is on PATH (.ci/run installs it). make setup installs actionlint (settings.ini), so the check never skips.
lint: setup
	ruff format --check --quiet . || { echo "Layout differs from ruff's: run make format and commit."; exit 1; }
	ruff check --quiet .
	actionlint

# Apply ruff's layout and safe fixes, then export the package from the formatted notebooks.
format: setup
	ruff format --quiet .
	ruff check --quiet --fix-only .
	nbdev_export

# nbdev_export must leave the package exactly as committed (notebooks are the source).
check-sync: setup
	nbdev_export
	@git diff --quiet --exit-code -- boston_app || { git diff --stat -- boston_app; echo "Notebooks and package are not in sync: run nbdev_export and commit."; exit 1; }
	@$(STRIP) --verify $(NOTEBOOKS) nbs/index.ipynb || { echo "Notebooks carry run metadata: run make notebooks and commit."; exit 1; }

# Re-run every notebook top to bottom and store its outputs, then export the package.
notebooks: setup
	nbdev_export
	for nb in nbs/index.ipynb $(NOTEBOOKS); do papermill --no-progress-bar --log-level WARNING -k python3 --cwd nbs $$nb $$nb || exit 1; done
	$(STRIP) nbs/index.ipynb $(NOTEBOOKS)
	nbdev_export

# requirements.txt, what Heroku installs, from the `requirements` line of settings.ini (the direct pins): uv resolves
# them against PyPI, its default index, for Python min_python and newer on every platform (environment markers say
# where a package applies), and writes every transitive dependency pinned with the sha256 of each of its files.
# Only releases uploaded before REQUIREMENTS_DATE count, so the same settings.ini gives the same file: move the
# date on to take newer releases of the dependencies.
REQUIREMENTS_DATE := 2026-11-26
READ_SETTING = python -c 'import configparser, sys; c = configparser.ConfigParser(delimiters=["="]); c.read("settings.ini"); print(*c["DEFAULT"][sys.argv[1]].split(), sep="\n")'
requirements: setup
	@set -o pipefail; { \
	  echo "# What Heroku installs. Generated by \`make requirements\` (uv pip compile) from the \`requirements\` line of"; \
	  echo "# settings.ini: those direct pins and every package they need, each pinned with the hashes of its files."; \
	  echo "# Do not edit by hand; tests/test_packaging.py checks that it agrees with settings.ini."; \
	  $(READ_SETTING) requirements | uv pip compile - --constraint constraints.txt --quiet --no-header --universal --generate-hashes \
	    --python-version "$$($(READ_SETTING) min_python)" --exclude-newer $(REQUIREMENTS_DATE); \
	} > requirements.txt.new
	@mv requirements.txt.new requirements.txt
	@echo "requirements.txt: $$(grep -c '^[a-z]' requirements.txt) packages pinned, $$(grep -c -- '--hash=' requirements.txt) hashes"

# The speed table: ours, its FastAPI twin, the bare floor and the lecture's way (bench/run.py says what it measures).
bench: setup bench-venv
	python bench/run.py

# The FastAPI twin runs from its own virtual environment, never the project's: made anew, with the same Python as
# $(VENV), when it is missing or bench/requirements-twin.txt has changed.
TWIN_VENV := bench/.venv-twin
bench-venv: $(TWIN_VENV)/.installed

$(TWIN_VENV)/.installed: bench/requirements-twin.txt | $(VENV)/.installed
	rm -rf $(TWIN_VENV)
	$(BIN)/python -m venv $(TWIN_VENV)
	$(TWIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TWIN_VENV)/bin/python -m pip install --quiet -r bench/requirements-twin.txt
	touch $@

# Mutation testing of the core (issue 17), on demand only: not part of `make test` or CI. mutmut 3 (its settings are in
# setup.cfg) makes small changes to boston_app/validation.py and boston_app/model.py, one at a time, and runs against
# each the fast tests that reach the changed function (no server, no notebook, no browser); a change no test notices
# has survived. tools/mutation_score.py then prints killed / total per module and fails when either is below 85%.
# About 2 minutes on 2 cores (5 when many mutants survive, each running all its tests). It writes only mutants/
# (git-ignored), started afresh each time so that a score never mixes in results for older code or tests.
# docs/mutation.md has the scores and the mutants left, and why. MUTATE_JOBS: mutants tested at once.
MUTATE_JOBS ?= 2
mutate: setup
	@rm -rf mutants
	@start=$$(date +%s); BOSTON_NO_SERVERS=1 mutmut run --max-children $(MUTATE_JOBS) && echo && python tools/mutation_score.py; \
	status=$$?; echo "make mutate: $$(( $$(date +%s) - start )) s"; exit $$status

clean:
	rm -rf $(VENV) bench/.venv-twin *.egg-info .pytest_cache mutants

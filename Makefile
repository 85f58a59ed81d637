# The two set-up commands of the README:
#   make lab    create .venv if missing, install, open the course in JupyterLab (localhost, token on)
#   make test   create .venv if missing, install, run ruff and every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements-lock.txt
PYTEST_ARGS ?=

.PHONY: install lab test test-fast test-notebooks test-browser grade lint parity bench clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install -c $(LOCK) -e '.[dev,export,fast]'
	touch $(STAMP)

# --allow-root only when run as root (containers); the token stays on either way
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: install
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 --ServerApp.open_browser=False \
	    --LabApp.default_url=/lab/tree/00_welcome.ipynb $(ALLOW_ROOT)

lint: install
	$(BIN)/ruff check .

# Everything: lint, unit + grading tests, every notebook top to bottom, then the real-browser test.
test: install lint
	$(BIN)/python -m pytest --ignore=tests/browser $(PYTEST_ARGS)
	$(MAKE) test-browser

# Inner loop: no notebooks, no slow tests, stop at the first failure.
test-fast: install
	$(BIN)/python -m pytest --ignore=tests/browser -m "not notebook and not slow" -x -q $(PYTEST_ARGS)

test-notebooks: install
	$(BIN)/python -m pytest tests/test_notebooks.py -v $(PYTEST_ARGS)

# JupyterLab + ipywidgets in headless Chromium (installs Debian's chromium when missing; root in CI).
test-browser: install
	$(BIN)/python -m pytest tests/browser -v -s -p no:cacheprovider --confcutdir=tests/browser

# Grade your exercises (exercises/): yolox-edu grade [NAME ...]
grade: install
	$(BIN)/yolox-edu grade

# Optional: install the official yolox==0.3.0 as a test oracle (dev only) and run the parity tests.
parity: install
	$(BIN)/python -m pip install --no-deps --no-build-isolation yolox==0.3.0
	$(BIN)/python -m pip install loguru thop opencv-python-headless tabulate
	$(BIN)/python -m pytest -m oracle -v

bench: install
	$(BIN)/python benchmarks/bench_inference.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

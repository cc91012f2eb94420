# Quick start: `make demo` then `make test`. Everything runs from the .venv this creates.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
OUT    ?= out
# Test workers (pytest-xdist): the tests mostly wait, so more workers than cores.
JOBS   ?= 6

# Python keeps its compiled bytecode (__pycache__, ignored by git) even where
# PYTHONDONTWRITEBYTECODE is set: each test subprocess and worker would otherwise compile
# the whole package again (about 4 s of CPU each).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install browser demo test bench bench-csms lint format mutation openapi clean

install: $(STAMP)

# Debian's python3 ships venv separately: install python3-venv with apt when it is missing.
$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python -m venv failed; installing python3-venv with apt-get"; rm -rf $(VENV); \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q python3-venv && \
	  $(PYTHON) -m venv $(VENV); }

# The editable install compiles nothing: compile the sources and the tests (with pytest's
# assertion rewriting) once here, not in every test worker at once on the first run.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q ocppj simulator csms_under_test reports tests
	$(BIN)/pytest --collect-only -q tests >/dev/null
	@touch $(STAMP)

# Every case against the bundled reference CSMS; the report lands in $(OUT)/demo.
demo: $(STAMP)
	$(BIN)/simulate --all --pics docs/examples/demo-pics.yaml --out $(OUT)/demo

# The browser test opens the HTML report in Debian's chromium: install it when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  echo "chromium not found; installing it with apt-get"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# OCPP_REQUIRE_BROWSER=1: a missing browser fails the browser test instead of skipping it.
# tests/ only: they run every case against the bundled CSMS in each edition once (and the
# pytest route on its own); plain `pytest` also collects testcases/ as pytest items.
# --dist loadgroup: one queue, slow tests first (tests/conftest.py); a group stays on one worker.
test: $(STAMP) browser
	OCPP_REQUIRE_BROWSER=1 $(BIN)/pytest -n $(JOBS) --dist loadgroup tests

# The speed figures make test rests on, printed (not asserted).
bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.speed

# The reference CSMS under 100 / 1000 / 4000 charge points: requests/s, latency, RSS.
bench-csms: $(STAMP)
	$(BIN)/python -m tests.benchmarks.csms_load

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# Every case must PASS against the healthy bundled CSMS, FAIL under each fault it names and
# PASS under every legal variation, in every edition. The runs mostly wait: 6 side by side.
mutation: $(STAMP)
	$(BIN)/simulate mutation --config tests/data/fast.yaml --jobs 6

# The operator contract's OpenAPI document (docs/) and the copy the bundled CSMS serves,
# generated from the OCA schemas; tests/csms/test_openapi.py checks both are current.
openapi: $(STAMP)
	$(BIN)/python -m tests.support.openapi_contract

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Two commands: `make run` and `make test`. Everything else is a helper.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed
PORT ?= 8501
# Two workers: the suite is half browser and AppTest runs, which wait more than they compute.
PYTEST_ARGS ?= -q -n 2

.PHONY: run test db bench bench-quick clean sample

$(BIN)/python:
	@echo "First run: creating .venv and installing the app's packages (about 1-2 minutes, once)..."
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` installs only what the app needs; `make test` adds the test tools.
$(APP_STAMP): $(BIN)/python requirements.txt
	@echo "Installing the app's packages (requirements.txt)..."
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(APP_STAMP)

$(DEV_STAMP): $(APP_STAMP) requirements-dev.txt
	@echo "Installing the test tools (requirements-dev.txt)..."
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

db: $(APP_STAMP)
	$(BIN)/python -m loaders build

run: db
	@echo "Serving http://localhost:$(PORT) on this machine only (another port: make run PORT=8600; stop with Ctrl+C)"
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address 127.0.0.1

test: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

sample: db
	$(BIN)/python -m loaders sample

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

bench-quick: $(DEV_STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) data/dce.duckdb data/dce.duckdb.wal .pytest_cache

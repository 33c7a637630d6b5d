# Two commands: `make run` and `make test`. Everything else is a helper.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
# Two workers: the suite is half browser and AppTest runs, which wait more than they compute.
PYTEST_ARGS ?= -q -n 2

.PHONY: run test db bench bench-quick clean sample

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

db: $(STAMP)
	$(BIN)/python -m loaders build

run: db
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

sample: db
	$(BIN)/python -m loaders sample

bench: $(STAMP)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) data/dce.duckdb data/dce.duckdb.wal .pytest_cache

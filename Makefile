# Two commands: `make run` and `make test`. Everything else is a helper.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed
PORT ?= 8501
# Two workers: the suite is half browser and AppTest runs, which wait more than they compute.
PYTEST_ARGS ?= -q -n 2

.PHONY: run test test-spark db bench bench-quick clean sample screenshots

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

# The DuckDB/Spark parity test of the call rollups, in a virtualenv of its own (PySpark is ~490 MB and
# needs Java 17: `apt-get install openjdk-17-jre-headless`).
SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.installed

$(SPARK_STAMP): requirements.txt requirements-dev.txt requirements-spark.txt
	@echo "Installing the Spark virtualenv (requirements-spark.txt; PySpark is large, a few minutes once)..."
	$(PY) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/python -m pip install --quiet -r requirements-spark.txt
	touch $(SPARK_STAMP)

test-spark: $(SPARK_STAMP)
	$(SPARK_VENV)/bin/python -m pytest -q -n 0 -m spark tests/spark

sample: db
	$(BIN)/python -m loaders sample

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

bench-quick: $(DEV_STAMP)
	$(BIN)/python -m bench --quick

# Every page at 1440 and 390 px from the sample history into screenshots/ (and the README's picture).
screenshots: $(DEV_STAMP)
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) $(SPARK_VENV) data/dce.duckdb data/dce.duckdb.wal .pytest_cache

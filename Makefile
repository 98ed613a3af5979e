# azint: every target sets up what it needs (a virtualenv in .venv) on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: run test lint bench fuzz golden clean

run: $(STAMP)  ## set up, then trace hub -> location1 on the bundled topology
	$(BIN)/azint tracert hub 10.2.30.10

test: $(STAMP)  ## set up, then run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check azint tests
	$(BIN)/mypy

bench: $(STAMP)  ## time load + route computation + traces on generated large topologies
	$(BIN)/python tests/bench.py
	$(BIN)/python tests/bench_import.py

fuzz: $(STAMP)  ## feed 10,000 generated and mutated topologies to the loader and validator
	$(BIN)/python tests/fuzz_topologies.py --count 10000

golden: $(STAMP)  ## rewrite golden files from the model (review the diff before committing)
	AZINT_UPDATE_GOLDEN=1 $(BIN)/python -m pytest

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis

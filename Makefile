# azint: every target sets up what it needs (a virtualenv in .venv) on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
TOOLS   = $(VENV)/.tools
# The diagram tests check the DOT with Graphviz and the Mermaid with Mermaid's own parser (run by
# Node.js under jsdom); where either cannot be installed, those tests are skipped and say why.
MERMAID = $(VENV)/mermaid
MERMAID_PACKAGES = mermaid@11.17.2 jsdom@29.1.1

.PHONY: run test lint bench fuzz golden pictures clean

run: $(STAMP)  ## set up, then trace hub -> location1 on the bundled topology
	$(BIN)/azint tracert hub 10.2.30.10

test: $(STAMP) $(TOOLS)  ## set up, then run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check azint tests
	$(BIN)/mypy

bench: $(STAMP)  ## time load + route computation + traces on generated large topologies
	$(BIN)/python tests/bench.py
	$(BIN)/python tests/bench_import.py

fuzz: $(STAMP)  ## feed 10,000 generated and mutated topologies to the loader and validator
	$(BIN)/python tests/fuzz_topologies.py --count 10000

golden: $(STAMP) $(TOOLS)  ## rewrite golden files from the model (review the diff before committing)
	AZINT_UPDATE_GOLDEN=1 $(BIN)/python -m pytest

pictures: $(STAMP) $(TOOLS)  ## draw docs/*.svg and docs/*.png from the model (needs Graphviz)
	$(BIN)/python tests/draw_pictures.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

# Graphviz from the system's packages when we may install them (root with apt-get), quietly.
$(TOOLS):
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing graphviz (apt-get) for the diagram tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null 2>&1; } || \
	    echo "graphviz could not be installed: the Graphviz tests will be skipped"; \
	  else echo "no Graphviz (dot): the Graphviz tests will be skipped"; fi; }
	@if command -v npm >/dev/null 2>&1; then \
	  echo "installing Mermaid's parser (npm) for the diagram tests"; \
	  npm install --silent --no-audit --no-fund --prefix $(MERMAID) $(MERMAID_PACKAGES) \
	    >/dev/null 2>&1 || echo "Mermaid could not be installed: its parser test will be skipped"; \
	else echo "no npm: the Mermaid parser test will be skipped"; fi
	@touch $(TOOLS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis

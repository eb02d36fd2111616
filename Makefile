# newsdex: `make run` serves the bundled samples, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= newsdex-data
HOST   ?= 127.0.0.1
PORT   ?= 5000
SAMPLES := samples
STAMP  := $(VENV)/.installed

.PHONY: run test install lint format bench eval browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,tantivy]'
	touch $(STAMP)

install: $(STAMP)

$(DATA)/store.sqlite: | $(STAMP)
	$(BIN)/newsdex rebuild --from $(SAMPLES) --data-dir $(DATA)

run: $(STAMP) $(DATA)/store.sqlite
	@# an index built by an older newsdex (or none at all) is rebuilt from the store first
	@$(BIN)/newsdex query --data-dir $(DATA) --format json >/dev/null 2>&1 || $(BIN)/newsdex rebuild --data-dir $(DATA)
	$(BIN)/newsdex serve --data-dir $(DATA) --host $(HOST) --port $(PORT)

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed: browser tests will be skipped (apt-get install chromium)"; fi; }

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

eval: $(STAMP)
	$(BIN)/python bench/eval.py $(EVAL_ARGS)

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache build *.egg-info

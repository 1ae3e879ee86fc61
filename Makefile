# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
PIP     = $(BIN)/python -m pip --disable-pip-version-check -q
PORT   ?= 7860

.PHONY: run test lint install install-dev browser index eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	# torch first and exactly: anything looser lets pip pick a multi-GB CUDA build.
	$(PIP) install -c constraints.txt torch==2.13.0
	$(PIP) install -c constraints.txt -e '.[st,milvus,dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

index: install
	$(BIN)/whosaid index seeds

run: index
	$(BIN)/whosaid serve --port $(PORT)

# Debian's chromium for the browser test; the test says why it skips if this could not be done.
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . ; } || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk) \
	  >/tmp/whosaid-apt.log 2>&1 || echo "chromium could not be installed (see /tmp/whosaid-apt.log)"; }

lint: install-dev
	$(BIN)/ruff check retrieval ui tests eval
	$(BIN)/lint-imports

test: install-dev browser lint
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest

eval: install
	$(BIN)/whosaid eval eval/questions.jsonl

bench: install
	$(BIN)/whosaid bench

clean:
	rm -rf $(VENV) .whosaid

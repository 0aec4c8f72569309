# Everything a fresh machine needs: `make chat` and `make test` set themselves up.
# Python 3.11 where present (torch's CPU wheel for it may be on disk), else python3; any other
# interpreter (make test PYTHON=python3.13) gets a virtual environment of its own.
DEFAULT_PYTHON := $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
PYTHON ?= $(DEFAULT_PYTHON)
ifeq ($(PYTHON),$(DEFAULT_PYTHON))
VENV ?= .venv
else
VENV ?= .venv-$(notdir $(PYTHON))
endif
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data
SAMPLE_DATA := $(DATA)/sample

# torch: the registry's default wheel on Linux x86_64 is the CUDA build (several GB, 16 CUDA
# packages). Without an NVIDIA GPU, take the CPU wheel from PyTorch's CPU wheel index, as an extra
# index: where that index cannot be reached, pip still finds a wheel on disk or the registry's.
# `make install TORCH_INDEX_URL=…` another index; `make install TORCH_INDEX_URL=` the default.
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
ifeq ($(shell uname -sm),Linux x86_64)
TORCH_INDEX_URL ?= $(if $(shell command -v nvidia-smi 2>/dev/null),,$(TORCH_CPU_INDEX))
endif
TORCH_INDEX_URL ?=
# An index that does not answer costs pip five retries a package: asked once, five seconds at most.
TORCH_INDEX_UP = $(shell $(PYTHON) -c 'import sys, urllib.request; \
	urllib.request.urlopen(sys.argv[1], timeout=5)' '$(TORCH_INDEX_URL)/torch/' >/dev/null 2>&1 && echo up)
TORCH_INDEX = $(if $(TORCH_INDEX_URL),$(if $(TORCH_INDEX_UP),--extra-index-url $(TORCH_INDEX_URL),\
	$(info $(TORCH_INDEX_URL) does not answer: torch from the default index or a local wheel)))
# Every dependency at the version the suite passed with (make constraints writes it).
CONSTRAINTS := -c constraints.txt

.PHONY: messages eval-languages install chat test test-fast reliability lint bench eval-sample env-example constraints clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first and pinned, from the index above: pip keeps it when it installs the rest.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0 $(CONSTRAINTS) $(TORCH_INDEX)
	$(BIN)/pip install --quiet $(CONSTRAINTS) -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

chat: $(STAMP)
	NEWSBOT_DATA_DIR=$(SAMPLE_DATA) $(BIN)/newsbot ingest samples/archive
	NEWSBOT_DATA_DIR=$(SAMPLE_DATA) $(BIN)/newsbot chat

# In parallel (pytest-xdist), three workers for two cores: each computes on one thread
# (tests/conftest.py), and a third fills the time the others wait on a server or a child
# process. On 2 cores: 251 s, against 296 s with two workers (docs/layout.md, Tests).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n + (n + 1) / 2 )))
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m "not reliability"

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not integration and not slow and not reliability"

# The fault and load suite (about 10 minutes on 2 cores); figures in
# benchmarks/results/reliability.json, recorded in RELIABILITY.md. With RTQA=… also the
# corpus-level text check on the RealTimeQA articles.
reliability: $(STAMP)
	$(BIN)/python -m pytest -q -m reliability -s
	@if [ -d "$(RTQA)" ]; then $(BIN)/python -m benchmarks.text_check $(RTQA)/articles.jsonl.gz; fi

# .env.example is written from the settings (every key the code reads, and no other).
env-example: $(STAMP)
	$(BIN)/python -m retrieval.core.env_example > .env.example

# The texts readers see, per language: extracted from the code (t, tn, mark) and merged into
# bot/locales and retrieval/locales (Russian and Azerbaijani). tests/unit/test_messages.py fails
# until the new ones are translated.
messages: $(STAMP)
	@mkdir -p build
	for package in bot retrieval; do \
		$(BIN)/pybabel extract -k t -k tn:1,2 -k mark --no-location --omit-header \
			-o build/$$package.pot $$package && \
		for language in ru az; do \
			$(BIN)/pybabel update -i build/$$package.pot -d $$package/locales -l $$language \
				--no-fuzzy-matching --ignore-obsolete --width=100 || exit 1; \
		done; \
	done

# Sample archives scored with `newsbot eval`: Russian, the Russian stories in English (issue
# 24), and Azerbaijani, its tuning part and the part held out (issue 35; BENCHMARKS.md).
eval-languages: $(STAMP)
	$(BIN)/newsbot eval samples/questions-ru.jsonl --corpus samples/archive-ru \
		--data-dir $(DATA)/eval-ru
	$(BIN)/newsbot eval samples/questions-ru-en.jsonl --corpus samples/archive-ru-en \
		--data-dir $(DATA)/eval-ru-en
	$(BIN)/newsbot eval samples/questions-az.jsonl --corpus samples/archive-az \
		--data-dir $(DATA)/eval-az
	$(BIN)/newsbot eval samples/questions-az-held.jsonl --corpus samples/archive-az \
		--data-dir $(DATA)/eval-az
	$(BIN)/newsbot eval samples/questions-az-unseen.jsonl --corpus samples/archive-az \
		--data-dir $(DATA)/eval-az
	$(BIN)/newsbot eval samples/questions-az-fresh.jsonl --corpus samples/archive-az \
		--data-dir $(DATA)/eval-az

# After a change of dependencies: every installed package at its version, but torch (pinned in
# pyproject.toml, a CPU or CUDA build by machine) and newsbot itself.
constraints: $(STAMP)
	$(BIN)/pip freeze --exclude-editable > constraints.txt.frozen
	{ sed -n '1,/^# Regenerate/p' constraints.txt; \
	  grep -v -i -E '^(torch|triton|newsbot)[=@ ]|^nvidia-' constraints.txt.frozen; \
	} > constraints.txt.new && mv constraints.txt.new constraints.txt && rm constraints.txt.frozen

lint: $(STAMP)
	$(BIN)/ruff check bot retrieval prompts tests benchmarks tools
	$(BIN)/mypy bot retrieval prompts benchmarks tools
	$(BIN)/lint-imports --no-cache
	$(BIN)/deptry .

eval-sample: $(STAMP)
	$(BIN)/newsbot eval samples/questions.jsonl --corpus samples/archive --data-dir $(DATA)/eval-sample

# Benchmarks on real news need the RealTimeQA data: make bench RTQA=/path/to/realtimeqa-2023
RTQA ?= ../shared/data/realtimeqa-2023
bench: $(STAMP)
	$(BIN)/python -m benchmarks speed --data-dir $(DATA)/bench-sample
	$(BIN)/newsbot eval $(RTQA)/questions-dev.jsonl --corpus $(RTQA)/articles.jsonl.gz \
		--data-dir $(DATA)/rtqa --output benchmarks/results/rtqa-dev.md
	$(BIN)/python -m benchmarks backends $(RTQA)/articles.jsonl.gz --articles 1000
	$(BIN)/python -m benchmarks latency $(RTQA)/questions-dev.jsonl --data-dir $(DATA)/rtqa \
		--limit 200
	$(BIN)/python -m benchmarks bot_cold_start --data-dir $(DATA)/rtqa --runs 3
	$(BIN)/python -m benchmarks scaling $(RTQA)/questions-dev.jsonl --source $(DATA)/rtqa \
		--articles $(RTQA)/articles.jsonl.gz --work $(DATA)/scaling --limit 100 --drop
	$(BIN)/python -m benchmarks load $(RTQA)/questions-dev.jsonl --data-dir $(DATA)/rtqa \
		--limit 40 --concurrency 1,2,4
	$(BIN)/python -m benchmarks --result benchmarks/results/follow-threshold-jan-mar.md \
		follow_threshold $(RTQA)/questions-dev.jsonl --data-dir $(DATA)/rtqa \
		--asked-from 2023-01-01 --asked-to 2023-03-31
	$(BIN)/python -m benchmarks --result benchmarks/results/follow-threshold-apr-jun.md \
		follow_threshold $(RTQA)/questions-dev.jsonl --data-dir $(DATA)/rtqa \
		--asked-from 2023-04-01 --asked-to 2023-06-30

clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache

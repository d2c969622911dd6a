# measuresearch: `make serve` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install bytecode serve index check test eval bench bench-import stress clean browser system-packages screenshots backup

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# the test tools (pytest, hypothesis, Playwright, schemathesis) only for make test
$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(INSTALLED)

# The package's bytecode, compiled ahead (as pip does for what it installs): with PYTHONDONTWRITEBYTECODE set,
# Python would compile every module of src/ again at each command (40-50 ms of each `index`; an up-to-date check
# costs about 30 ms once). A file that does not compile is named here, and the command still runs and says so too.
bytecode: $(INSTALLED)
	-$(BIN)/python -m compileall -q src

index: $(INSTALLED) bytecode
	$(BIN)/measuresearch index

check: $(INSTALLED)
	$(BIN)/measuresearch check

serve: $(INSTALLED) bytecode
	$(BIN)/measuresearch index --if-needed
	$(BIN)/measuresearch serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium with Playwright (no browser download).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	test -x $(CHROMIUM) || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

# The suite also runs nginx in front of real servers (tests/deploy) and a throwaway PostgreSQL
# cluster (initdb and pg_ctl in a temporary folder) for the second store engine.
system-packages: browser
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nginx)
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql)
	command -v openssl >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openssl)
	command -v bibtex >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends texlive-binaries)

# One worker per core and one more: about a quarter of the suite's time is spent waiting on the servers,
# browsers and databases it starts. A file's tests stay together (they share module fixtures such as built indexes).
test: $(TEST_INSTALLED) system-packages bytecode
	$(BIN)/python -m pytest -n $$(( $$(nproc) + 1 )) --dist loadfile

eval: $(INSTALLED) bytecode
	$(BIN)/measuresearch index --if-needed
	$(BIN)/measuresearch evaluate

# Benchmarks against tantivy and SQLite FTS5 at 10k and 100k synthetic measures (about 15
# minutes); BENCH_ARGS=--quick for a one-minute smoke run, --no-http for in-process figures only.
# Then the memory and HTTP latency of a `serve` process over 100k (service_memory.py; --quick: 10k).
bench: $(INSTALLED) bytecode
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	command -v nginx >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nginx)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/service_memory.py $(filter --quick,$(BENCH_ARGS))

# `measuresearch import` of 146 synthetic pages (100,000 measures) and a 20,000-row sheet:
# time and peak memory of each run (BENCH_ARGS=--quick for 10,000 measures).
bench-import: $(INSTALLED) bytecode
	$(BIN)/python bench/import_bench.py $(BENCH_ARGS)

# The long checks: reindex under load, SIGKILL trials, hostile traffic over HTTP, and a
# 30-minute soak (STRESS_ARGS="--soak-minutes 2" for a short one).
stress: $(INSTALLED) bytecode
	$(BIN)/python stress/run.py $(STRESS_ARGS)

# Copy the reports database (data/measuresearch.sqlite3) with SQLite's online backup, safe while servers write.
backup: $(INSTALLED)
	$(BIN)/measuresearch backup

screenshots: $(TEST_INSTALLED) browser
	PYTHONPATH=. $(BIN)/python tools/screenshots.py docs/screenshots
	PYTHONPATH=. $(BIN)/python tools/screenshots_compare.py docs/screenshots

clean:
	rm -rf $(VENV) index/build-* index/.build-* index/current index/.lock corpus/.read-cache corpus/.import-cache

# Vermilion: `make run` serves the site, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
export VERMILION_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-fast test-browser test-scaled lint format install install-test seed bench clean messages bench-web bench-recsys bench-feed bench-feed-sim bench-search bench-search-eval bench-video

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installs are stamped so `make run` is quick the second time; the stamp depends on the pins.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements/constraints.txt
	$(BIN)/pip install -q -c requirements/constraints.txt -e .
	touch $@

# Front-end packages (htmx, Alpine.js, SortableJS) from the npm registry, exactly as locked.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -c requirements/constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed node_modules/.installed
install-test: $(VENV)/.installed-test node_modules/.installed

run: install
	$(BIN)/vermilion migrate --noinput
	$(BIN)/vermilion collectstatic --noinput -v 0
	$(BIN)/vermilion seed --demo --if-empty
	$(BIN)/vermilion serve --host $(HOST) --port $(PORT)

seed: install
	$(BIN)/vermilion migrate --noinput
	$(BIN)/vermilion seed --demo --if-empty

# The whole suite on SQLite; then, where PostgreSQL and Redis answer (CI), again on them.
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	VERMILION_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -q --ignore=tests/browser
	VERMILION_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -q tests/browser
	@$(BIN)/python scripts/scaled_check.py; status=$$?; \
	if [ $$status -eq 0 ]; then $(MAKE) --no-print-directory test-scaled; \
	elif [ $$status -ne 1 ]; then exit $$status; fi

test-fast: install-test
	VERMILION_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -q -x --ignore=tests/browser

test-browser: install-test
	VERMILION_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -q tests/browser

# Interface strings: extract into the catalogues, then compile them (needs GNU gettext).
messages: install
	cd vermilion && ../$(BIN)/vermilion makemessages -l zh_Hans -d django --no-obsolete --ignore 'demo/*' --ignore 'feed/recsys/*'
	cd vermilion && ../$(BIN)/vermilion makemessages -l zh_Hans -d djangojs --no-obsolete --ignore 'static/vendor/*'
	cd vermilion && ../$(BIN)/vermilion compilemessages -l zh_Hans

PG_URL    ?= postgres://postgres@127.0.0.1:5432/vermilion
REDIS_URL ?= redis://127.0.0.1:6379/15
test-scaled: install-test
	VERMILION_DATA_DIR=$(CURDIR)/var/test-scaled \
	VERMILION_DATABASE_URL=$(PG_URL) VERMILION_REDIS_URL=$(REDIS_URL) \
	VERMILION_REQUIRE_SCALED=$${VERMILION_REQUIRE_SCALED:-0} \
	$(BIN)/pytest -q --ignore=tests/browser

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	$(BIN)/python bench/api_latency.py

bench-web: install-test
	$(BIN)/python bench/web_pages.py

# MovieLens-100K ships inside the recbole wheel; --no-deps keeps its torch stack out.
bench-recsys: install-test
	$(BIN)/pip install -q --no-deps recbole==1.2.1
	$(BIN)/python bench/recsys_eval.py --seeds 3

# The discover feed at 1M notes, 100k people, 10M events (SQLite, then PostgreSQL + Redis).
bench-feed: install-test
	$(BIN)/python bench/feed_latency.py

# Simulated readers through the services: the feed against random and popularity.
bench-feed-sim: install-test
	$(BIN)/python bench/feed_sim.py

# Search quality on the labelled bilingual set, and speed at a million notes.
bench-search-eval: install-test
	$(BIN)/python bench/search_eval.py

bench-search: install-test
	$(BIN)/python bench/search_latency.py

# A 60 s 1080p clip through the HLS ladder, against Debian's ffmpeg doing the same.
bench-video: install-test
	$(BIN)/python bench/video_transcode.py

clean:
	rm -rf var/test var/test-scaled

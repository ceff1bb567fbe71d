# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the app and the tests use: CJK fonts, GDAL's command-line tools (ogrinfo),
# headless Chromium for the HTML map, the libraries Qt needs offscreen, and those its xcb
# platform plugin needs on an X desktop (the window test runs on Xvfb), and PostgreSQL with
# PostGIS for team mode (the tests start their own throwaway server as the `postgres` user).
DEB_PACKAGES := postgresql postgresql-15-postgis-3 fonts-noto-cjk gdal-bin python3-gdal chromium libegl1 libgl1 libxkbcommon0 \
	libfontconfig1 libdbus-1-3 libglib2.0-0 xvfb libxkbcommon-x11-0 libxcb-cursor0 \
	libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-xinerama0 \
	libxcb-randr0 libxcb-shape0 libxcb-xkb1

.PHONY: run test lint bench deb clean team-db team-db-stop

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# Installs the Debian packages when run as root and any is missing; otherwise says what to install.
deb:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "note: tests that need these Debian packages will be skipped: $$missing"; \
	fi

run: $(STAMP) deb
	$(BIN)/python main.py

test: $(STAMP) deb
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	@# every benchmark runs, whatever the others gave; the exit status says if any was over
	@status=0; for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || status=1; done; \
	exit $$status

# A PostgreSQL + PostGIS server on 127.0.0.1 for trying team mode by hand: prints its URL
# and the PGPASSFILE holding its superuser's password (data in .team-db/).
team-db: $(STAMP) deb
	$(BIN)/python -m project_db.postgres.cluster start .team-db

team-db-stop: $(STAMP)
	$(BIN)/python -m project_db.postgres.cluster stop .team-db

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

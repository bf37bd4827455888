# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint index bench clean browser load postgres bench-ledger

install: $(STAMP)

# torch is installed first, pinned, so that nothing pulls the CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m bot model
	touch $(STAMP)

index: install
	$(PY) -m bot index

run: install
	test -f index/CURRENT || $(PY) -m bot index
	$(PY) -m bot docs
	$(PY) app.py

# The browser tests drive Debian's Chromium (never `playwright install`, which downloads);
# the CJK and emoji fonts make the screenshots in test-artifacts/ readable.
browser:
	@if ! command -v chromium >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q . ; then \
		apt-get update && apt-get install -y --no-install-recommends chromium fonts-noto-cjk fonts-noto-color-emoji; \
	fi

lint: install
	$(VENV)/bin/ruff check .

# The account and ledger tests also run on a real PostgreSQL server that the test session starts
# itself from Debian's server binaries (tests/pgserver.py), as the `postgres` system user.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		apt-get update && apt-get install -y --no-install-recommends postgresql; \
	fi

test: install browser postgres lint
	$(PY) -m pytest -q

load: install
	$(PY) eval/load_test.py

bench: install
	$(PY) eval/bench_index.py

bench-ledger: install postgres
	$(PY) eval/bench_ledger.py

clean:
	rm -rf index build *.egg-info

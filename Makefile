# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm-test
LLAMA_CPP_VERSION := 0.3.9
WHEELS := $(HOME)/.cache/studybot/wheels
# Portable AVX2 code (not -march=native), no llava, no tools: the part the server needs.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
	-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF

.PHONY: install llm-test run test lint index bench clean browser load postgres bench-ledger

install: $(STAMP)

# torch is installed first, pinned, so that nothing pulls the CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	# Word vectors for refusals (bot/lexicon.py): this version ships them inside; its declared
	# dependencies are not needed (and a later version downloads at run time), hence --no-deps.
	$(PY) -m pip install --quiet --no-deps synonyms==3.10.2
	$(PY) -m bot model
	touch $(STAMP)

# The real model server for tests/test_llm_server.py. PyPI has only llama-cpp-python's source: its
# wheel is built once per machine (about 3 minutes of both cores) into $(WHEELS) and installed from
# there by every later install, in any clone.
llm-test: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	@tag=$$($(PY) -c 'import sys; print("cp%d%d" % sys.version_info[:2])'); \
	if ! ls $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-$$tag-*.whl >/dev/null 2>&1; then \
		echo "building llama-cpp-python $(LLAMA_CPP_VERSION) once into $(WHEELS) (about 3 minutes)"; \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 $(PY) -m pip wheel --quiet --no-deps \
			--no-binary llama-cpp-python -w $(WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION); \
	fi
	$(PY) -m pip install --quiet --find-links $(WHEELS) --only-binary llama-cpp-python -e '.[test,llm-test]'
	touch $@

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
	$(VENV)/bin/ruff format --check .

# The account and ledger tests also run on a real PostgreSQL server that the test session starts
# itself from Debian's server binaries (tests/pgserver.py), as the `postgres` system user.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		apt-get update && apt-get install -y --no-install-recommends postgresql; \
	fi

# Two workers, each taking whole test files (module fixtures stay in one process); each worker
# loads the model (~1.7 GB), so more workers than cores only costs memory.
TEST_WORKERS ?= 2

test: install llm-test browser postgres lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

load: install
	$(PY) eval/load_test.py

bench: install
	$(PY) eval/bench_index.py

bench-ledger: install postgres
	$(PY) eval/bench_ledger.py

clean:
	rm -rf index build *.egg-info

# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test index bench clean

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

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) eval/bench_index.py

clean:
	rm -rf index build *.egg-info

# The two commands a newcomer needs: `make demo` and `make test`.
# Both make a virtual environment in .venv on first use and install shall into it.

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
SHALL   = $(VENV)/bin/shall
EXAMPLE ?= examples/water-tanks

.PHONY: demo test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The main job: take an example workspace through everything shall can do so far.
demo: install
	$(SHALL) -C $(EXAMPLE) validate
	$(SHALL) -C $(EXAMPLE) status

# Every test. pytest's exit code 5 means it found no tests, which is not a failure here.
test: install
	$(PY) -m pytest; code=$$?; if [ $$code -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$code

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info

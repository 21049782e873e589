# Cellar — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT_BUILD_FLAGS ?=
VENV := .venv
PYTHON := $(VENV)/bin/python
CELLAR := .build/release/cellar

.PHONY: deps venv build release test test-interop test-reliability test-browser browser-deps fuzz demo bench accuracy train-unet clean

## deps: install the C libraries (libtiff, libpng, sqlite3, OpenBLAS) when missing
deps:
	@if ! command -v pkg-config >/dev/null || ! pkg-config --exists libtiff-4 libpng16 sqlite3 openblas; then \
		echo "make deps: installing libtiff-dev libpng-dev libsqlite3-dev libopenblas-dev pkg-config" >&2; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtiff-dev libpng-dev libsqlite3-dev libopenblas-dev pkg-config >/dev/null; \
	fi

## venv: Python with numpy/scikit-image/pycocotools/pandas for the cross-check tests
venv: $(PYTHON)
$(PYTHON): scripts/requirements-test.txt
	@python3 -m venv --system-site-packages $(VENV) && \
		$(PYTHON) -m pip install -q --disable-pip-version-check -r scripts/requirements-test.txt && touch $(PYTHON)

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

release: deps
	swift build -c release $(SWIFT_BUILD_FLAGS)

test: deps venv
	CELLAR_PYTHON=$(abspath $(PYTHON)) swift test $(SWIFT_BUILD_FLAGS)

## test-interop: pycytominer reads `cellar export --format cytominer-sqlite` (pip-installs
## pycytominer into .venv-interop once; slow the first time)
INTEROP_VENV := .venv-interop
INTEROP_PYTHON := $(INTEROP_VENV)/bin/python
test-interop: deps $(INTEROP_VENV)/.installed
	CELLAR_INTEROP_PYTHON=$(abspath $(INTEROP_PYTHON)) swift test $(SWIFT_BUILD_FLAGS) --filter pycytominerReadsCytominerExport
$(INTEROP_VENV)/.installed:
	@[ -x $(INTEROP_PYTHON) ] || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_PYTHON) -m pip install -q --disable-pip-version-check pycytominer && touch $@

## test-reliability: SIGKILL crash safety, full disk (root), concurrent readers (~3-5 min)
test-reliability: release
	@bash scripts/test-reliability.sh $(CELLAR)

## test-browser: `cellar serve` in headless Chromium via Selenium (Debian's chromium and
## chromium-driver, installed when missing; selenium + matplotlib into .venv-browser); ~2 min.
## Screenshots in out/browser/.
BROWSER_VENV := .venv-browser
BROWSER_PYTHON := $(BROWSER_VENV)/bin/python
test-browser: release browser-deps $(BROWSER_VENV)/.installed
	@bash scripts/test-browser.sh $(CELLAR) $(BROWSER_PYTHON)
browser-deps:
	@if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then \
		echo "make test-browser: installing chromium chromium-driver" >&2; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
$(BROWSER_VENV)/.installed: scripts/requirements-browser.txt
	@[ -x $(BROWSER_PYTHON) ] || python3 -m venv $(BROWSER_VENV)
	@$(BROWSER_PYTHON) -m pip install -q --disable-pip-version-check -r scripts/requirements-browser.txt && touch $@

## fuzz: mutate the formats/ files and read them under AddressSanitizer for FUZZ_SECONDS
FUZZ_SECONDS ?= 180
fuzz: deps
	swift build --scratch-path .build-asan -Xswiftc -sanitize=address --product cellar-fuzz $(SWIFT_BUILD_FLAGS)
	.build-asan/debug/cellar-fuzz $(FUZZ_SECONDS) ../shared/data/formats .build-asan/fuzz-out

demo: release
	@bash scripts/demo.sh $(CELLAR)

bench: release venv
	@bash bench/run.sh $(CELLAR)

## accuracy: F1 of Cellar and the reference on every dev set and a synthetic plate
accuracy: release venv
	@bash scripts/accuracy.sh $(CELLAR)

## train-unet: retrain Models/cellar-unet.safetensors on one CPU core (PyTorch in .venv-train; ~35 min)
TRAIN_VENV := .venv-train
train-unet: release
	@[ -x $(TRAIN_VENV)/bin/python ] || python3 -m venv $(TRAIN_VENV)
	@$(TRAIN_VENV)/bin/pip install -q -r train/requirements.txt
	@bash train/train.sh $(CELLAR) $(TRAIN_VENV)/bin/python

clean:
	rm -rf .build .build-* $(VENV)

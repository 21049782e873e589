# Cellar — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT_BUILD_FLAGS ?=
VENV := .venv
PYTHON := $(VENV)/bin/python
CELLAR := .build/release/cellar

.PHONY: deps venv build release test test-interop test-reliability test-install test-standalone test-slurm test-browser browser-deps fuzz demo bench accuracy train-unet install uninstall clean

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

## install: the release `cellar`, its man page and bash/zsh/fish completions under PREFIX
## (default /usr/local; DESTDIR stages a package). The U-Net model is built into the binary.
## The man page comes from swift-argument-parser's generate-manual plugin (skipped with a
## warning if it fails). `make uninstall` (same PREFIX) removes exactly these files.
PREFIX ?= /usr/local
MANUAL := .build/plugins/GenerateManual/outputs/cellar/cellar.1
INSTALLED := bin/cellar share/man/man1/cellar.1 share/bash-completion/completions/cellar \
	share/zsh/site-functions/_cellar share/fish/vendor_completions.d/cellar.fish
install: release
	@rm -f $(MANUAL) && swift package generate-manual >.build/generate-manual.log 2>&1 \
		|| echo "make install: no man page (swift package generate-manual failed: see .build/generate-manual.log)" >&2
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1" \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
		"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	install -m 755 $(CELLAR) "$(DESTDIR)$(PREFIX)/bin/cellar"
	@if [ -f $(MANUAL) ]; then install -m 644 $(MANUAL) "$(DESTDIR)$(PREFIX)/share/man/man1/cellar.1"; fi
	$(CELLAR) --generate-completion-script bash >"$(DESTDIR)$(PREFIX)/share/bash-completion/completions/cellar"
	$(CELLAR) --generate-completion-script zsh >"$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_cellar"
	$(CELLAR) --generate-completion-script fish >"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/cellar.fish"
	@echo "installed cellar $$($(CELLAR) --version) in $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(addprefix "$(DESTDIR)$(PREFIX)/,$(addsuffix ",$(INSTALLED)))

## test-install: `make install` into a temporary prefix, `cellar segment --method unet` from
## another directory (the built-in model), man page and completions, then `make uninstall`
test-install: release
	@bash scripts/test-install.sh

## test-standalone: a copy of the committed tree in a temporary folder with no ../shared
## beside it passes `make test` (builds it anew in debug: 5-8 min on 2 cores)
test-standalone:
	@bash scripts/test-standalone.sh

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

## test-slurm: a one-node Slurm cluster on localhost (installs slurm-wlm + munge, root) runs the
## sbatch array over a synthetic plate; merged shards must equal one ingest (~2 min)
test-slurm: release
	@bash scripts/test-slurm.sh $(CELLAR)

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

## fuzz: mutate the Tests/Corpus/formats files and read them under AddressSanitizer for FUZZ_SECONDS
FUZZ_SECONDS ?= 180
fuzz: deps
	swift build --scratch-path .build-asan -Xswiftc -sanitize=address --product cellar-fuzz $(SWIFT_BUILD_FLAGS)
	.build-asan/debug/cellar-fuzz $(FUZZ_SECONDS) Tests/Corpus/formats .build-asan/fuzz-out

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

# The two commands of the README. Both install what they need first, into a
# virtual environment (.venv, made on first use and reused after; Debian 12+
# and Ubuntu 23.04+ refuse pip installs into the system Python, PEP 668).
# PYTHON=/path/to/python uses that interpreter instead and makes no .venv.
VENV ?= .venv
PYTHON ?= $(VENV)/bin/python
PIP := $(PYTHON) -m pip

.PHONY: install install-test demo train-demo test test-fast web web-deps

$(VENV)/bin/python:
	python3 -m venv $(VENV) || { echo "python3 -m venv failed: on Debian/Ubuntu install it with: sudo apt-get install python3-venv"; exit 1; }

# What the main job needs: the package with TensorFlow for the CPU (and LiteRT).
install: $(if $(filter $(VENV)/bin/python,$(PYTHON)),$(VENV)/bin/python)
	$(PIP) install --quiet --disable-pip-version-check -e ".[cpu]"

# What the test suite needs on top: pytest, the JAX and PyTorch backends,
# the SVG renderer, notebooks, scikit-image.
install-test: $(if $(filter $(VENV)/bin/python,$(PYTHON)),$(VENV)/bin/python)
	$(PIP) install --quiet --disable-pip-version-check -e ".[cpu,test,torch]"

# The main job: the shipped models colour the bundled sample line art and
# extract lines from the samples' colour versions; prints the contact sheet's path.
demo: install
	$(PYTHON) -m keras_anime_cyclegan demo --out runs/pretrained-demo

# The quick check of training (not the product): the demo preset on the
# package's own synthetic pictures, a few CPU minutes, with a contact sheet.
train-demo: install
	rm -rf runs/demo
	$(PYTHON) -m keras_anime_cyclegan train --demo --out runs/demo

# The whole test suite (CI runs exactly this). Each file runs on one worker
# (module fixtures build once); files go out in name order, not xdist's
# default of most tests first, which left the few long training files
# (backends, distribute, soak: one or a few tests each) for last, one
# worker finishing them alone.
test: install-test web-deps
	$(PYTHON) -m pytest -n 2 --dist loadfile --no-loadscope-reorder tests

# The fast tier for daily work: everything but the tests marked slow
# (training runs, every export conversion, notebooks, Chromium).
test-fast: install-test
	$(PYTHON) -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not slow" tests

# The browser demo: exports WEB_MODEL's two generators to TF.js (default:
# the models the package ships; or a run folder), builds web_demo/dist and
# serves it on http://localhost:$(WEB_PORT)/ until Ctrl+C.
WEB_PORT ?= 8000
WEB_MODEL ?= pretrained
web: install web_demo/node_modules/.package-lock.json
	$(PYTHON) export/to_tfjs.py --model $(WEB_MODEL) --direction colorize --out web_demo/public/models/colorize
	$(PYTHON) export/to_tfjs.py --model $(WEB_MODEL) --direction lines --out web_demo/public/models/lines
	cd web_demo && npm run build
	@echo "Serving web_demo/dist on http://localhost:$(WEB_PORT)/ (Ctrl+C stops it)"
	$(PYTHON) -m http.server $(WEB_PORT) --bind 127.0.0.1 --directory web_demo/dist

# What the browser test needs: web_demo's npm packages (again when the lock
# file changes) and Debian's Chromium; quick when both are there.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
web-deps: web_demo/node_modules/.package-lock.json
	@command -v chromium >/dev/null || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium; }

web_demo/node_modules/.package-lock.json: web_demo/package-lock.json
	cd web_demo && npm ci --no-audit --no-fund
	touch $@

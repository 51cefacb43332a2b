# The two commands of the README. Both install what they need first.
PYTHON ?= python3
PIP := $(PYTHON) -m pip

.PHONY: install demo test

install:
	$(PIP) install --quiet --disable-pip-version-check -e ".[cpu,test]"

# The main job: train on the package's own synthetic data, write a contact sheet.
demo: install
	rm -rf runs/demo
	$(PYTHON) -m keras_anime_cyclegan train --demo --out runs/demo

# The whole test suite (CI runs exactly this).
test: install
	$(PYTHON) -m pytest -n 2 --dist loadfile tests

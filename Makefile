# Two commands: `make run` (serve the demo canton) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= cii_platform.settings
# The address printed in the QR codes of the label's certificates (the server's own, unless set).
export CII_PUBLIC_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install lint typecheck worker bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Serves http://127.0.0.1:$(PORT). With REDIS_URL set, a Celery worker runs beside the server.
run: install
	mkdir -p var/staticfiles
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@if [ -n "$$REDIS_URL" ]; then \
		$(BIN)/celery -A cii_platform worker --beat --schedule=var/celerybeat-schedule --loglevel=INFO --concurrency=2 & \
		trap 'kill %1 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver 127.0.0.1:$(PORT); \
	else \
		$(BIN)/python manage.py runserver 127.0.0.1:$(PORT); \
	fi

test: install
	mkdir -p var/staticfiles
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

worker: install
	$(BIN)/celery -A cii_platform worker --loglevel=INFO

bench: install
	$(BIN)/python bench/visible_cases.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Common commands; the README's two commands are the source of truth for setup and tests.
PY := .venv/bin/python

.PHONY: setup test fast soak lint demo calibrate seeds-benchmark bench

setup:
	python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 -e ".[dev]"

test:
	$(PY) -m pytest

fast:
	$(PY) -m pytest -m "not slow"

soak:
	bash scripts/suite_under_load.sh 5

lint:
	.venv/bin/ruff check detector tests scripts && .venv/bin/ruff format --check detector tests scripts && .venv/bin/mypy detector

demo:
	.venv/bin/detector scan seeds/ --out out/

calibrate:
	$(PY) scripts/calibrate.py ../shared/benchmarks/pairs

seeds-benchmark:
	$(PY) scripts/seeds_benchmark.py

bench:
	.venv/bin/detector bench --out bench/

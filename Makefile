# Everyday tasks; each is one command of the README or of .ci/run.
.PHONY: test test-all lint bench docs ci

test:  ## the fast tier: no real model, no subprocess, no waiting out timeouts
	pytest -m "not slow and not local_model"

test-all:  ## every test, as .ci/run runs them
	pytest

lint:  ## style, formatting, import contracts, types
	ruff check .
	ruff format --check .
	lint-imports
	mypy

bench:  ## the embedded model's speed on 10 seed rows, every sampler side by side
	python benchmarks/local_model.py --limit 10 --modes all,metrics --samplers full,check-first,top-64

docs:  ## regenerate the CLI reference from the app (tests/test_docs.py checks it)
	typer summarizer.cli.main utils docs --name summarize --output docs/cli.md

ci:  ## what CI runs on a clean clone
	bash .ci/run

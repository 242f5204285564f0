"""Evaluation datasets shipped with summarizer (package data; see `summarizer.evals.dataset`)."""

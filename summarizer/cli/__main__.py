"""`python -m summarizer.cli`: the `summarize` command, for environments without its script."""

from summarizer.cli.main import main

main()

"""Every `summarize` command and Python snippet in the README and the docs runs as written, in
order (the README, then each page of `docs/` in the order the README lists them).

They run in a scratch folder holding the checkout's `seeds/` and `evals/`, with no key and no
endpoint configured. Commands that need a model (the embedded one, a key or a server of one's
own), and those that read what such a command writes, are skipped; installing and testing are
CI's own job.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import clean_env

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# The pages in the README's order; the CLI reference shows usage, not commands to run.
LINKED = re.findall(r"\]\((docs/\w+\.md)\)", README)
PAGES = [
    ROOT / "README.md",
    *(ROOT / page for page in dict.fromkeys(LINKED) if page != "docs/cli.md"),
]
TEXT = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


def blocks(language: str) -> list[str]:
    """The fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", TEXT, flags=re.MULTILINE | re.DOTALL)


def summarize_commands() -> list[list[str]]:
    """Each `summarize ...` command of the bash blocks (a line, or a part of one joined by
    `&&`), split as the shell would, comments dropped."""
    commands = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words and words[0] == "summarize":
                    commands.append(words[1:])
    return commands


def option(words: list[str], name: str, default: str | None = None) -> str | None:
    return words[words.index(name) + 1] if name in words else default


def needs_model(words: list[str], model_outputs: set[str]) -> bool:
    """Whether the command calls a model, or reads what a command that did wrote."""
    if any(word in model_outputs for word in words):
        return True
    if words[0] == "extract":
        return option(words, "--provider") != "rules"
    if words[0] == "batch":  # an endpoint, or the answers of one
        return True
    if words[0] == "eval" and words[1] != "compare":
        return option(words, "--provider") != "rules" and "--predictions" not in words
    return False


@pytest.mark.slow
def test_readme_commands_run_in_order(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for folder in ("seeds", "evals"):
        shutil.copytree(ROOT / folder, work / folder)
    env = clean_env()
    env["SUMMARIZE_CACHE_DIR"] = str(tmp_path / "cache")
    model_outputs: set[str] = set()
    ran = []
    for words in summarize_commands():
        if needs_model(words, model_outputs):
            if words[0] in {"extract", "batch"}:
                model_outputs.add(option(words, "-o", "summaries.jsonl") or "")
            continue
        result = subprocess.run(
            [sys.executable, "-m", "summarizer.cli", *words],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        shown = shlex.join(["summarize", *words])
        assert result.returncode == 0, f"{shown}\n{result.stderr}"
        assert "Traceback" not in result.stderr, shown
        if words[0] == "results":  # an example query finds what it shows
            assert not re.search(r"^0 result", result.stderr, flags=re.MULTILINE), shown
        ran.append(words[0])
    assert {"read", "extract", "eval", "validate", "schema", "models"} <= set(ran)
    for snippet in blocks("python"):
        result = subprocess.run(
            [sys.executable, "-c", snippet], cwd=work, env=env, capture_output=True, text=True,
            check=False, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, f"{snippet}\n{result.stderr}"

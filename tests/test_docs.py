"""The docs stay true to the code: the CLI reference is the app's own help, and every link of
the README and of `docs/` leads to a page and a heading that exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def generated_reference(out: Path) -> str:
    """`docs/cli.md` as `make docs` writes it, from the typer app."""
    typer = Path(sys.executable).with_name("typer")
    command = [str(typer), "summarizer.cli.main", "utils", "docs", "--name", "summarize"]
    subprocess.run([*command, "--output", str(out)], check=True, capture_output=True, cwd=ROOT)
    return out.read_text(encoding="utf-8")


def test_the_cli_reference_is_the_apps_help(tmp_path: Path) -> None:
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert generated_reference(tmp_path / "cli.md") == committed, (
        "docs/cli.md is not what the app's help says: run `make docs` and commit it"
    )


def slug(heading: str) -> str:
    """A heading's anchor as GitHub writes it: lower case, punctuation dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def prose(page: Path) -> str:
    """The page without its code: fenced blocks and `inline` spans show links, not make them."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(page: Path) -> set[str]:
    return {slug(h) for h in re.findall(r"^#+ (.+)$", prose(page), flags=re.MULTILINE)}


def test_every_link_leads_to_a_page_and_heading_that_exist() -> None:
    broken = []
    for page in PAGES:
        for target in LINK.findall(prose(page)):
            if re.match(r"[a-z]+:", target):
                continue  # a URL: not this checkout's to check
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists() or (anchor and anchor not in anchors(linked)):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def test_the_readme_stays_a_front_page() -> None:
    # What it is, the two commands, a record, the main commands, where to read more: the
    # reference lives in docs/.
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 250

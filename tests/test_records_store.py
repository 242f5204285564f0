from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import OUTPUTS, rules_lines, seed_rows, write_lines

from summarizer import ErrorLine, Record
from summarizer.errors import OutputError
from summarizer.item import Problem
from summarizer.records import store
from summarizer.records.schema import SCHEMA_VERSION
from summarizer.records.store import open_output, read_lines

V2 = OUTPUTS / "records.v2.0.jsonl"  # 3 records and 1 error line written by schema 2.0


def test_torn_last_line_is_dropped_on_resume(tmp_path: Path) -> None:
    a, b = rules_lines(seed_rows()[:2])
    out = write_lines(tmp_path / "out.jsonl", [a])
    good = out.read_text()
    with out.open("a") as file:
        file.write(b.model_dump_json()[:80])
    assert isinstance(read_lines(out).problems[0], Problem)  # the reader names it
    output = open_output(out)
    output.close()
    assert output.done == {a.key}
    assert out.read_text() == good


def test_error_lines_are_kept_unless_retrying(tmp_path: Path) -> None:
    failed, done = rules_lines(seed_rows()[:2], failing=1)
    out = write_lines(tmp_path / "out.jsonl", [done, failed])
    kept = open_output(out)
    kept.close()
    assert (kept.done, kept.failed) == ({done.key}, {failed.key})
    assert out.read_text().count("\n") == 2
    retry = open_output(out, retry_failed=True)
    retry.close()
    assert (retry.done, retry.failed) == ({done.key}, set())
    assert out.read_text().count("\n") == 1


def test_one_reader_for_both_line_types_with_their_version(tmp_path: Path) -> None:
    lines = rules_lines(seed_rows()[:3], failing=1)
    reading = read_lines(write_lines(tmp_path / "out.jsonl", lines))
    assert reading.problems == []
    assert reading.lines == lines
    assert [type(line) for line in reading.lines] == [ErrorLine, Record, Record]
    assert {line.schema_version for line in reading.lines} == {SCHEMA_VERSION}


def test_lines_of_schema_2_0_are_read_with_their_version_kept() -> None:
    reading = read_lines(V2)
    assert reading.problems == []
    assert [line.status for line in reading.lines] == ["ok", "ok", "ok", "error"]
    assert {line.schema_version for line in reading.lines} == {"2.0"}
    first = json.loads(V2.read_text().splitlines()[0])
    assert (
        reading.lines[0].created_at.isoformat().startswith(first["provenance"]["created_at"][:19])
    )


def test_an_older_schema_is_never_resumed_but_set_aside_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out.jsonl"
    current = rules_lines(seed_rows()[:1])
    out.write_text(V2.read_text() + current[0].model_dump_json() + "\n")
    output = open_output(out)
    output.close()
    assert (output.done, output.failed, output.outdated) == ({current[0].key}, set(), 4)
    assert output.moved_to == tmp_path / "out.v2.0.jsonl"
    assert output.moved_to.read_text() == V2.read_text()  # kept verbatim, nothing lost
    assert [line.schema_version for line in read_lines(out).lines] == [SCHEMA_VERSION]
    said = [r.getMessage() for r in caplog.records if "schema 2.0" in r.getMessage()]
    assert len(said) == 1
    assert "moved them to" in said[0]
    assert "run again" in said[0]


def test_a_newer_schema_or_a_foreign_line_is_kept_and_named(tmp_path: Path) -> None:
    line = rules_lines(seed_rows()[:1])[0]
    newer = line.model_dump(mode="json") | {"schema_version": "9.0"}
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps(newer) + "\n" + '{"status": "ok", "key": "x"}\n')
    problems = read_lines(out).problems
    assert "newer than this summarizer's" in problems[0].message
    assert problems[1].location.line == 2
    before = out.read_text()
    output = open_output(out)
    output.close()
    assert (output.done, output.outdated) == (set(), 0)
    assert out.read_text() == before


def test_new_output_in_a_new_folder(tmp_path: Path) -> None:
    output = open_output(tmp_path / "deep" / "out.jsonl")
    output.close()
    assert output.done == set()
    assert (tmp_path / "deep" / "out.jsonl").exists()


def test_a_second_opener_is_refused_naming_the_first(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    first = open_output(path)
    try:
        with pytest.raises(OutputError, match=rf"another run \(process {os.getpid()}\)"):
            open_output(path)
        with pytest.raises(OutputError, match="another run"):
            open_output(path, retry_failed=True)  # a rewrite never replaces a file in use
    finally:
        first.close()
    open_output(path).close()  # released on close


@pytest.mark.parametrize("link", ["symlink", "hard link"])
def test_two_names_of_one_file_are_one_output(link: str, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "out.jsonl", rules_lines(seed_rows()[:2], failing=1))
    other = tmp_path / "other.jsonl"
    if link == "symlink":
        other.symlink_to(path)
    else:
        os.link(path, other)
    first = open_output(path)
    try:
        with pytest.raises(OutputError, match="another run"):
            open_output(other)
    finally:
        first.close()
    if link == "symlink":  # a rewrite through the link replaces the target, not the link
        open_output(other, retry_failed=True).close()
        assert other.is_symlink()
        assert other.resolve() == path.resolve()


@pytest.mark.parametrize("target", ["/dev/full", "/dev/null"])
def test_a_device_is_refused_not_read_as_an_old_output(target: str) -> None:
    with pytest.raises(OutputError, match="not a regular file"):
        open_output(Path(target))


def test_a_folder_or_a_path_under_a_file_is_one_message(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        open_output(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="a part of the path is a file"):
        open_output(tmp_path / "file" / "out.jsonl")


def test_a_failed_write_is_an_output_error(tmp_path: Path) -> None:
    """The file-size limit makes the write fail as a full disk would (EFBIG, not ENOSPC)."""
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from helpers import rules_lines, seed_rows\n"
        "from summarizer.errors import OutputError\n"
        "from summarizer.records.store import open_output\n"
        "line = rules_lines(seed_rows()[:1])[0]\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))\n"
        "out = open_output(Path(sys.argv[1]))\n"
        "try:\n"
        "    out.write(line)\n"
        "except OutputError as exc:\n"
        "    print(exc)\n"
        "finally:\n"
        "    out.close()\n"
    )
    path = tmp_path / "out.jsonl"
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,  # where `helpers` is found
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"cannot write {path}: "), run.stdout
    assert "Traceback" not in run.stderr


def test_a_line_past_the_limit_ends_the_reading_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "MAX_LINE_BYTES", 1024)
    path = tmp_path / "out.jsonl"
    good = (OUTPUTS / "records.v2.0.jsonl").read_text().splitlines()[0]
    path.write_text("x" * 5000 + "\n" + good + "\n")
    reading = read_lines(path)
    assert reading.lines == []
    assert [p.message.split(":")[0] for p in reading.problems] == ["a line longer than 1,024 bytes"]
    # /dev/zero, which has no line end at all, is read to the limit and no further.
    zero = read_lines(Path("/dev/zero"))
    assert len(zero.problems) == 1


def test_a_failed_rewrite_leaves_no_half_written_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_lines(tmp_path / "out.jsonl", rules_lines(seed_rows()[:2], failing=1))
    before = path.read_text()

    def full(self: Path, data: str, encoding: str | None = None) -> int:
        Path.open(self, "w").close()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OutputError, match=r"(?i)no space left"):
        open_output(path, retry_failed=True)
    monkeypatch.undo()
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "out.jsonl.lock"]


def test_a_line_with_a_lone_surrogate_costs_that_line_only(tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from summarizer.cli import app  # noqa: PLC0415

    good = [json.loads(line.model_dump_json()) for line in rules_lines(seed_rows()[:2])]
    good[0]["source"]["title"] = "Bad \udfff title"
    path = tmp_path / "out.jsonl"
    # As json.dumps writes it: the lone surrogate as the escape \udfff, ASCII otherwise.
    path.write_text("".join(json.dumps(line) + "\n" for line in good))
    reading = read_lines(path)
    assert [line.source.title for line in reading.lines] == [good[1]["source"]["title"]]
    assert [p.location.line for p in reading.problems] == [1]
    assert "lone surrogate" in reading.problems[0].message
    runner = CliRunner()
    for command in (["digest", str(path)], ["export", str(path), "--format", "csv", "-o",
                                            str(tmp_path / "csv")]):  # fmt: skip
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        assert "lone surrogate" in result.stderr
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 1

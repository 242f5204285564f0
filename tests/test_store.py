from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer.errors import OutputError
from summarizer.store import open_output


def test_torn_last_line_is_dropped_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    good = json.dumps({"status": "ok", "key": "a"})
    out.write_text(good + "\n" + '{"status": "ok", "key": "b", "one_li')
    output = open_output(out)
    output.close()
    assert output.done == {"a"}
    assert out.read_text() == good + "\n"


def test_error_lines_are_kept_unless_retrying(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    lines = [{"status": "ok", "key": "a"}, {"status": "error", "key": "b"}]
    out.write_text("".join(json.dumps(line) + "\n" for line in lines))
    kept = open_output(out)
    kept.close()
    assert (kept.done, kept.failed) == ({"a"}, {"b"})
    assert out.read_text().count("\n") == 2
    retry = open_output(out, retry_failed=True)
    retry.close()
    assert (retry.done, retry.failed) == ({"a"}, set())
    assert out.read_text().count("\n") == 1


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
        "from summarizer.errors import OutputError\n"
        "from summarizer.schema import Usage\n"
        "from summarizer.store import open_output\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))\n"
        "out = open_output(Path(sys.argv[1]))\n"
        "try:\n"
        "    for _ in range(20):\n"
        "        out.write(Usage(prompt_tokens=1, completion_tokens=2))\n"
        "except OutputError as exc:\n"
        "    print(exc)\n"
        "finally:\n"
        "    out.close()\n"
    )
    path = tmp_path / "out.jsonl"
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"cannot write {path}: "), run.stdout
    assert "Traceback" not in run.stderr

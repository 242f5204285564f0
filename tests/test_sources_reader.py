from __future__ import annotations

import io
import os
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer import Item, Problem, read
from summarizer.sources.reader import Reading, parse_text, read_file
from summarizer.text.candidates import find_candidates
from summarizer.text.sentences import split_sentences


def test_directory_is_walked_and_files_recognised_by_content(fixtures: Path) -> None:
    reading = read([fixtures])
    kinds = {(Path(i.location.path).name, i.kind) for i in reading.items}
    assert ("seed_digest.txt", "digest") in kinds  # a .txt digest, recognised by its table
    assert ("2502.13347.txt", "abstract") in kinds
    assert ("arxiv_api.xml", "abstract") in kinds
    by_file: dict[str, int] = {}
    for item in reading.items:
        name = Path(item.location.path).name
        by_file[name] = by_file.get(name, 0) + 1
    assert by_file["2025-03-11.md"] == 39
    assert by_file["seed_abstracts.jsonl"] == 20
    assert reading.skipped == 4  # three bad JSONL lines and one broken table row


def test_seed_folder(fixtures: Path) -> None:
    reading = read([fixtures.parent.parent / "seeds"])
    assert len(reading.items) == 20
    assert reading.problems == []


def test_binary_and_non_utf8_files_are_skipped_with_location(tmp_path: Path) -> None:
    (tmp_path / "weights.json").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes(b"An abstract.\nCaf\xe9 results.\n")
    (tmp_path / "good.txt").write_text("We study things. It works.\n")
    reading = read([tmp_path])
    assert [i.text for i in reading.items] == ["We study things. It works."]
    messages = sorted(str(p) for p in reading.problems)
    assert messages[0].startswith(f"{tmp_path / 'latin1.txt'}:2: error: not UTF-8")
    assert messages[1].startswith(f"{tmp_path / 'weights.json'}:1: error: binary file")


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    reading = read([tmp_path / "nope.md"])
    assert reading.items == []
    assert reading.problems[0].message == "no such file"


def test_stdin(monkeypatch: pytest.MonkeyPatch, fixtures: Path) -> None:
    text = (fixtures / "2024-09-09.md").read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    reading = read(["-"])
    assert len(reading.items) == 5
    assert reading.items[0].location.path == "<stdin>"


def test_deeply_nested_json_is_one_problem_and_the_run_goes_on(
    fixtures: Path, tmp_path: Path
) -> None:
    (tmp_path / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "nested.jsonl").write_text('{"abstract": ' + "[" * 100_000 + "\n")
    paths = [tmp_path / "nested.json", tmp_path / "nested.jsonl", fixtures / "seed_digest.txt"]
    reading = read(paths)
    assert len(reading.items) == 20
    messages = [str(p) for p in reading.problems]
    assert any("nested.json:1: error: invalid JSON: nested too deeply" in m for m in messages)
    assert any("nested.jsonl:1: error: invalid JSON" in m for m in messages)


def test_an_endless_input_is_refused_at_the_limit_and_the_run_goes_on(fixtures: Path) -> None:
    reading = read(["/dev/zero", fixtures / "seed_digest.txt"], max_input_bytes=1_000_000)
    assert len(reading.items) == 20
    assert "input is larger than 1,000,000 bytes" in reading.problems[0].message
    assert reading.problems[0].location.path == "/dev/zero"


def test_an_item_over_the_size_limit_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"abstract": "short."}\n{"abstract": "' + "long " * 1000 + '"}\n')
    reading = read([path], max_item_chars=1000)
    assert [i.text for i in reading.items] == ["short."]
    assert str(reading.problems[0]).startswith(f"{path}:2: error: item text has 4,999 characters")


def test_a_fifo_is_read_like_a_file(fixtures: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    text = (fixtures / "seed_digest.txt").read_bytes()

    def feed() -> None:
        with fifo.open("wb") as pipe:
            pipe.write(text)

    writer = threading.Thread(target=feed)
    writer.start()
    reading = read([fifo])
    writer.join()
    assert len(reading.items) == 20


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.json", "", "file holds no JSON object"),
        ("empty.jsonl", "\n\n", "file holds no JSON object"),
        ("other.xml", "<?xml version='1.0'?><rss><item/></rss>", "XML is not an Atom feed"),
        ("feed.xml", '<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "Atom feed has no"),
    ],
)
def test_inputs_that_hold_nothing_say_so(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content)
    reading = read([tmp_path / name])
    assert reading.items == []
    assert message in reading.problems[0].message


# Shapes that made reading quadratic: long runs, unclosed brackets and links, repeated markers.
_HOSTILE = [
    "a", "[", "[a](", "](", "(", "( read more on ", "- read more on ", "arxiv.org/abs/",
    "arXiv:a", "$x$. A ", "x.y-", "*a", "_", " ", "|", "1", "1.", "(1) ",
]  # fmt: skip
_SIZE = 20_000


def _reading_cost(text: str) -> float:
    """Seconds to read `text` as a digest and split and scan each item for numbers; best of 3."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for entry in parse_text(text, "hostile.md"):
            if isinstance(entry, Item):
                find_candidates(split_sentences(entry.text))
        best = min(best, time.perf_counter() - started)
    return best


def _digest(cell: str, where: str) -> str:
    title, summary = (cell, "A summary.") if where == "title" else ("A title", cell)
    return f"| Title | Authors | Summary |\n|---|---|---|\n| {title} | A. Author | {summary} |\n"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fragment=st.one_of(
        st.sampled_from(_HOSTILE), st.text(alphabet="[]()|$.aA1 \\*_-:/@%", min_size=1, max_size=6)
    ),
    where=st.sampled_from(["title", "summary"]),
)
def test_reading_stays_linear_on_hostile_lines(fixtures: Path, fragment: str, where: str) -> None:
    """Time per byte of one long hostile row, against a same-size ordinary digest in the same
    test: a ratio, so the bound holds on any machine. Quadratic code scores in the thousands."""
    rows = (fixtures / "seed_digest.txt").read_text()
    ordinary = (rows * (_SIZE // len(rows) + 1))[:_SIZE]
    hostile = _digest((fragment * (_SIZE // len(fragment) + 1))[:_SIZE], where)
    ratio = (_reading_cost(hostile) / len(hostile)) / (_reading_cost(ordinary) / len(ordinary))
    assert ratio < 25, f"{fragment!r} in the {where}: {ratio:.0f}x an ordinary digest per byte"


def test_a_text_stdin_is_held_to_the_same_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("x" * 5_000))
    reading = read(["-"], max_input_bytes=1_000)
    assert reading.items == []
    assert "input is larger than 1,000 bytes" in reading.problems[0].message


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-16-be"])
def test_utf16_and_utf32_files_with_a_mark_are_text(codec: str, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    text = '{"abstract": "We gain 5%.", "title": "café"}\n'
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    reading = read([path])
    assert [i.title for i in reading.items] == ["café"]
    assert reading.problems == []


def test_text_after_a_json_array_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[{"abstract": "We gain 5%."}]\n\ntrailing garbage\n')
    reading = read([path])
    assert len(reading.items) == 1
    assert [(p.location.line, p.message, p.severity) for p in reading.problems] == [
        (3, "text after the end of the JSON array; ignored", "warning")
    ]


def _as_text(path: Path) -> list[object]:
    """What the whole-text path reads from `path`'s content."""
    return [e.model_dump() for e in parse_text(path.read_bytes().decode("utf-8-sig"), str(path))]


@pytest.mark.parametrize(
    "name", ["seed_digest.txt", "2024-09-05.md", "2024-09-09.md", "2025-03-11.md", "2025-10-30.md",
             "variants.md", "empty_digest.md"],
)  # fmt: skip
def test_a_digest_file_read_a_line_at_a_time_is_read_as_its_whole_text(
    fixtures: Path, name: str
) -> None:
    path = fixtures / name
    assert [e.model_dump() for e in read_file(path)] == _as_text(path)


def test_a_streamed_digest_keeps_odd_line_ends_dates_and_refusals(tmp_path: Path) -> None:
    rows = (
        "| Title | Authors | Summary |\n|---|---|---|\n"
        "| A (2502.00001) | X | It gains 3%.\u2028Yes. |\r\n"
    )
    path = tmp_path / "d.md"
    path.write_bytes(
        ("\ufeff# Papers for 2025-02-20\n" + rows + "| B | Y | Z\r| C | D | E |").encode()
    )
    assert [e.model_dump() for e in read_file(path)] == _as_text(path)
    assert next(e for e in read_file(path) if isinstance(e, Item)).digest_date == date(2025, 2, 20)
    bad = tmp_path / "bad.md"
    bad.write_bytes(rows.encode() + b"| B | Y | caf\xe9 |\n| C | Z | Fine. |\n")
    read_back = list(read_file(bad))
    problems = [str(p) for p in read_back if isinstance(p, Problem)]
    assert problems[0] == (
        f"{bad}:4: error: not UTF-8 (byte 0xe9); line skipped, re-save the file as UTF-8"
    )
    assert [i.title for i in read_back if isinstance(i, Item)][-1] == "C"
    binary = tmp_path / "nul.md"
    binary.write_bytes(rows.encode() + b"| B | Y | Z\x00 |\n")
    assert [p.message for p in read_file(binary)] == ["binary file, skipped"]  # type: ignore[union-attr]


def test_entries_of_a_folder_that_cannot_be_read_are_named_not_passed_over(
    fixtures: Path, tmp_path: Path
) -> None:
    (tmp_path / "paper.txt").write_text((fixtures / "2502.13347.txt").read_text())
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "broken.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")
    started = time.monotonic()
    reading = read([tmp_path])
    assert time.monotonic() - started < 5  # the pipe, with no writer, is not opened
    assert len(reading.items) == 1
    assert {(Path(p.location.path).name, p.severity, p.message) for p in reading.problems} == {
        ("broken.md", "warning", "broken symbolic link, skipped"),
        ("loop.md", "warning", "symbolic link loop, skipped"),
        ("pipe.md", "warning",
         "a named pipe inside a folder is not read; name it on the command line to read it"),
    }  # fmt: skip


@pytest.mark.parametrize("suffix", [".jsonl", ".md"])
def test_a_bad_byte_in_one_line_costs_that_line_only(tmp_path: Path, suffix: str) -> None:
    if suffix == ".jsonl":
        good = [b'{"abstract": "We gain 9%%.", "title": "Good %d"}' % n for n in range(3)]
        bad = b'{"abstract": "Caf\xe9 5%.", "title": "Bad"}'
        body = b"\n".join([good[0], bad, good[1], good[2]]) + b"\n"
    else:
        head = b"| Title | Authors | Summary |\n|---|---|---|\n"
        good = [b"| Good %d | A | We gain 9%%. |" % n for n in range(3)]
        body = head + b"\n".join([good[0], b"| Bad | A | Caf\xe9 5%. |", good[1], good[2]])
    path = tmp_path / f"mixed{suffix}"
    path.write_bytes(body + b"\n")
    # Through a file (a digest is streamed) and through a pipe (read whole): the same answer.
    for reading in (read([path]), _read_piped(path)):
        assert [i.title for i in reading.items] == ["Good 0", "Good 1", "Good 2"]
        (problem,) = reading.problems
        assert problem.location.line == (2 if suffix == ".jsonl" else 4)
        assert problem.message.startswith("not UTF-8 (byte 0xe9); line skipped")


def _read_piped(path: Path) -> Reading:
    fifo = path.with_name(path.stem + "_pipe" + path.suffix)
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(path.read_bytes()))
    writer.start()
    try:
        return read([fifo])
    finally:
        writer.join()


@pytest.mark.parametrize("suffix", [".jsonl", ".md"])
def test_a_nul_past_a_files_first_8000_bytes_costs_its_line_not_the_file(
    tmp_path: Path, suffix: str
) -> None:
    many = 200  # about 10 KB of good lines first: the file opens as text
    if suffix == ".jsonl":
        lines = [b'{"abstract": "We gain 9%%.", "title": "Good %d"}' % n for n in range(many)]
        lines.insert(192, b'{"abstract": "Bad\x00 5%.", "title": "Bad"}')
    else:
        rows = [
            b"| Good %d | Author | We gain 9%% on a benchmark, today. |" % n for n in range(many)
        ]
        lines = [b"| Title | Authors | Summary |", b"|---|---|---|", *rows]
        lines.insert(192, b"| Bad | A | Bad\x00 5%. |")
    path = tmp_path / f"nul{suffix}"
    path.write_bytes(b"\n".join(lines) + b"\n")
    for reading in (read([path]), _read_piped(path)):
        assert len(reading.items) == many
        (problem,) = reading.problems
        assert (problem.location.line, problem.message) == (193, "holds a NUL byte; line skipped")
    # In the first 8,000 bytes, a NUL still marks a binary file, refused whole.
    head = tmp_path / f"head{suffix}"
    head.write_bytes(lines[0] + b"\x00\n" + b"\n".join(lines[1:]))
    assert [p.message for p in read([head]).problems] == ["binary file, skipped"]

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from summarizer import Item, Problem, read
from summarizer.sources.abstracts import read_atom, read_json, read_text


def test_seed_jsonl(fixtures: Path) -> None:
    reading = read([fixtures / "seed_abstracts.jsonl"])
    assert len(reading.items) == 20
    assert reading.problems == []
    first = json.loads((fixtures / "seed_abstracts.jsonl").read_text().splitlines()[0])
    item = reading.items[0]
    assert item.kind == "abstract"
    assert item.arxiv_id == first["arxiv_id"]
    assert item.title == first["title"]
    assert item.text == " ".join(first["abstract"].split())
    assert item.authors[0] == "Keqin Chen"
    assert item.digest_date == date(2025, 2, 20)
    assert [i.location.line for i in reading.items[:3]] == [1, 2, 3]


def test_json_array_with_id_urls_summary_and_author_objects(fixtures: Path) -> None:
    path = fixtures / "abstracts_array.json"
    items = list(read_json(path.read_text(), str(path)))
    assert all(isinstance(i, Item) for i in items)
    assert [i.arxiv_id for i in items if isinstance(i, Item)] == ["2502.13128", "2502.13685"]
    assert [i.location.line for i in items if isinstance(i, Item)] == [2, 24]


def test_single_json_object() -> None:
    text = json.dumps({"id": "2502.13923", "summary": "A text.", "title": "T", "authors": "A, B"})
    (item,) = read_json(text, "one.json")
    assert isinstance(item, Item)
    assert item.authors == ["A", "B"]


def test_bad_lines_are_problems_and_good_lines_survive(fixtures: Path) -> None:
    path = fixtures / "abstracts_with_errors.jsonl"
    entries = list(read_json(path.read_text(), str(path)))
    items = [e for e in entries if isinstance(e, Item)]
    problems = [e for e in entries if isinstance(e, Problem)]
    assert [i.location.line for i in items] == [1, 5]
    assert [(p.location.line, p.message.split(":")[0]) for p in problems] == [
        (2, "expected a JSON object, got an array"),
        (3, "object has no 'abstract' or 'summary' text"),
        (4, "invalid JSON"),
    ]
    assert all(str(p).startswith(f"{path}:") for p in problems)


def test_plain_text_takes_title_line_and_id_from_name(fixtures: Path) -> None:
    path = fixtures / "2502.13347.txt"
    (item,) = read_text(path.read_text(), str(path))
    assert isinstance(item, Item)
    assert item.arxiv_id == "2502.13347"
    assert item.title == path.read_text().splitlines()[0]
    assert "\n" not in item.text


def test_arxiv_atom_feed(fixtures: Path) -> None:
    path = fixtures / "arxiv_api.xml"
    items = list(read_atom(path.read_text(), str(path)))
    assert [i.arxiv_id for i in items if isinstance(i, Item)] == ["2502.13923", "2502.13144"]
    first = items[0]
    assert isinstance(first, Item)
    assert first.title == "Qwen2.5-VL Technical Report"
    assert first.authors[:2] == ["Keqin Chen", "Shuai Bai"]
    assert first.text.startswith("We introduce Qwen2.5-VL")
    assert first.location.line == 7


def test_broken_xml_is_one_problem() -> None:
    (problem,) = read_atom("<feed><entry>", "broken.xml")
    assert isinstance(problem, Problem)
    assert problem.message.startswith("invalid XML")


# A poison pill in one field of one object: each costs that item only, named by file and line.
POISON = [
    ('{"abstract": "We gain 5%.", "authors": [{"name": 5}]}', "authors: expected names as strings"),
    ('{"abstract": "\\udfff We gain 5%."}', "abstract: holds a lone surrogate"),
    ('{"abstract": "We gain 5%.", "title": "\\ud800"}', "title: holds a lone surrogate"),
    ('{"abstract": "We gain 5%.", "title": 7}', "title: expected a string, got int"),
    ('{"abstract": "We gain 5%.", "title": NaN}', "title: expected a string, got float"),
    ('{"abstract": "We gain 5%.", "authors": {"a": 1}}', "authors: expected a string or an array"),
    ('{"abstract": "We gain 5%.", "authors": ["\\udc80"]}', "authors: holds a lone surrogate"),
    ('{"abstract": "We gain 5%.", "id": ["2502.1"]}', "id: expected a string, got an array"),
    ('{"abstract": "We gain 5%.", "n": ' + "1" * 4400 + "}", "invalid JSON: a number too long"),
    ('{"abstract": 5}', "object has no 'abstract' or 'summary' text"),
    ("[1, 2]", "expected a JSON object, got an array"),
    ('"text"', "expected a JSON object, got a string"),
]


def test_every_poison_pill_costs_its_own_line_only(tmp_path: Path) -> None:
    good = '{"abstract": "We gain 9%%.", "title": "Good %d"}'
    lines = [good % 0]
    for number, (bad, _) in enumerate(POISON, 1):
        lines += [bad, good % number]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    reading = read([path])
    assert [i.title for i in reading.items] == [f"Good {n}" for n in range(len(POISON) + 1)]
    assert [p.location.line for p in reading.problems] == list(range(2, len(lines), 2))
    for problem, (_, why) in zip(reading.problems, POISON, strict=True):
        assert problem.message.startswith(why), problem.message
    # A NUL inside a string is no poison: it is read as a space.
    nul = tmp_path / "nul.jsonl"
    nul.write_text('{"abstract": "We gain\\u0000 5%.", "title": "x"}\n')
    assert read([nul]).items[0].text == "We gain 5%."


def test_a_file_name_that_is_not_utf8_is_read_and_named_with_escapes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    odd = Path(os.fsdecode(os.fsencode(folder) + b"/caf\xe9.jsonl"))
    odd.write_text('{"abstract": "We gain 5%.", "title": "odd"}\n')
    (folder / "zz.jsonl").write_text('{"abstract": "We gain 9%.", "title": "after"}\n')
    reading = read([folder])
    assert [i.title for i in reading.items] == ["odd", "after"]
    assert reading.items[0].location.path.endswith("caf\\xe9.jsonl")
    json.dumps(reading.items[0].model_dump(mode="json"))  # writable as a line

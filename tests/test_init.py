from __future__ import annotations

import summarizer


def test_public_api_is_complete_and_sorted() -> None:
    assert summarizer.__all__ == sorted(summarizer.__all__)
    for name in summarizer.__all__:
        assert hasattr(summarizer, name), name


def test_every_error_descends_from_the_root() -> None:
    errors = [getattr(summarizer, n) for n in summarizer.__all__ if n.endswith("Error")]
    assert len(errors) >= 4
    assert all(issubclass(e, summarizer.SummarizerError) for e in errors)


def test_every_public_name_has_one_home() -> None:
    assert set(summarizer._HOMES) == set(summarizer.__all__)
    assert "Settings" in dir(summarizer)


def test_extract_stays_the_function_after_its_module_is_imported() -> None:
    import summarizer  # noqa: PLC0415
    import summarizer.evals.run  # noqa: PLC0415 - imports the extractor module

    assert callable(summarizer.extract)
    assert summarizer.extract.__module__ == "summarizer.extractor"


def test_every_public_name_is_typed_for_checkers() -> None:
    """The `TYPE_CHECKING` imports, which checkers read, name exactly `__all__`, each from its
    home: no public name is `Any` to mypy or pyright."""
    import ast  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    tree = ast.parse(Path(summarizer.__file__).read_text(encoding="utf-8"))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
    )
    typed = {
        alias.asname or alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert sorted(typed) == summarizer.__all__
    for name, module in typed.items():
        assert module == f"summarizer.{summarizer._HOMES[name]}", name


def test_source_is_gone_use_item() -> None:
    import pytest  # noqa: PLC0415

    with pytest.raises(AttributeError):
        summarizer.Source  # noqa: B018 - removed in 0.3 (see CHANGELOG.md)


def test_public_functions_that_take_paths_take_strings(tmp_path: object) -> None:
    from pathlib import Path  # noqa: PLC0415

    assert isinstance(tmp_path, Path)
    seed = Path(__file__).parent / "fixtures" / "seed_digest.txt"
    items = summarizer.read([str(seed)]).items
    out = tmp_path / "out.jsonl"
    summarizer.extract_many(items[:2], summarizer.Settings(provider="rules"), output=str(out))
    assert len(summarizer.read_lines(str(out)).lines) == 2
    assert summarizer.validate_file(str(out)).valid == 2
    results, problems = summarizer.results_in("accuracy", [str(out)])
    assert problems == []
    assert isinstance(results, list)

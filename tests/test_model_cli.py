"""Choosing a model, and `shall model list|pull|path`, without any network."""

from __future__ import annotations

import json

import pytest

from agents.models.openai_compat import OpenAICompatibleModel
from agents.models.registry import LOCAL_MODELS, UnknownModel
from agents.models.select import choose_model_name, open_model
from tui.cli import main

SMALL = LOCAL_MODELS["qwen2.5-coder-0.5b"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ("SHALL_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHALL_CACHE_DIR", str(tmp_path / "models"))


def downloaded(tmp_path, spec=SMALL):
    """A stand-in for a pulled model: a sparse file of the right size with its stamp."""
    folder = tmp_path / "models"
    folder.mkdir(exist_ok=True)
    path = folder / spec.filename
    with open(path, "wb") as handle:
        handle.truncate(spec.size)
    stat = path.stat()
    (folder / f"{spec.filename}.verified").write_text(json.dumps({"sha256": spec.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))
    return path


def test_the_embedded_default_is_used_when_nothing_is_configured():
    assert choose_model_name() == "local/qwen2.5-coder-1.5b"


def test_an_endpoint_in_the_environment_is_used_when_set(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    assert choose_model_name() == "openai/gpt-4o-mini"
    monkeypatch.setenv("OPENAI_MODEL", "qwen2.5-coder:7b")
    assert choose_model_name() == "openai/qwen2.5-coder:7b"


def test_shall_model_beats_the_environment_and_the_flag_beats_both(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    monkeypatch.setenv("SHALL_MODEL", "local/qwen2.5-coder-0.5b")
    assert choose_model_name() == "local/qwen2.5-coder-0.5b"
    assert choose_model_name("openai/gpt-4.1") == "openai/gpt-4.1"


def test_open_model_builds_an_endpoint_client_without_calling_it(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    model = open_model("openai/llama3")
    assert isinstance(model, OpenAICompatibleModel)
    assert (model.name, model.base_url) == ("openai/llama3", "http://127.0.0.1:9/v1")


@pytest.mark.parametrize("name", ["gpt-4", "openai/", "local/qwen-72b"])
def test_open_model_refuses_unknown_names(name):
    with pytest.raises(UnknownModel, match="Known models: local/qwen2.5-coder-1.5b, local/qwen2.5-coder-0.5b"):
        open_model(name)


def test_model_list_shows_size_presence_and_the_default(tmp_path, capsys):
    downloaded(tmp_path)
    assert main(["model", "list"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:5]] for line in out.splitlines() if "local/" in line and "│" in line}
    assert rows == {
        "local/qwen2.5-coder-1.5b": ["1.1 GB", "no", "yes"],
        "local/qwen2.5-coder-0.5b": ["0.5 GB", "yes", ""],
    }
    assert f"Models are kept in {tmp_path / 'models'}." in out


def test_model_path_prints_the_file_or_says_how_to_get_it(tmp_path, capsys):
    assert main(["model", "path", "qwen2.5-coder-0.5b"]) == 1
    assert capsys.readouterr().err.strip() == "qwen2.5-coder-0.5b is not downloaded yet; run `shall model pull qwen2.5-coder-0.5b`."
    path = downloaded(tmp_path)
    assert main(["model", "path", "local/qwen2.5-coder-0.5b"]) == 0
    assert capsys.readouterr().out.strip() == str(path)


def test_model_pull_of_an_unknown_name_is_bad_input(capsys):
    assert main(["model", "pull", "gpt5"]) == 2
    assert capsys.readouterr().err.startswith("unknown model 'gpt5'. Known models:")


def test_model_pull_of_a_present_model_checks_and_prints_its_path(tmp_path, capsys):
    path = downloaded(tmp_path)
    assert main(["model", "pull", "qwen2.5-coder-0.5b"]) == 0
    assert capsys.readouterr().out.strip() == str(path)


def test_model_without_an_action_shows_its_usage(capsys):
    assert main(["model"]) == 2
    assert "usage: shall model" in capsys.readouterr().err

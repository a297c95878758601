"""A question past what the model reads at once: the model says how long it was, the build says whose examples fill it."""

from __future__ import annotations

import pytest

from agents.build import run_build
from agents.models.fake import ScriptedModel
from agents.models.local import BATCHED_CONTEXT, LocalModel
from agents.models.seam import CallOptions, QuestionTooLong
from agents.writing import ExamplesTooLong
from tests.helpers import correct_model, workspace

ASK = [{"role": "user", "content": "Write it."}]


def test_a_question_too_long_for_the_window_stops_the_build_naming_the_requirement_and_keeping_what_was_there(tmp_path):
    root = workspace(tmp_path)
    run_build(root, candidates=1, languages=["python"], model=correct_model(), auto_approve=True)
    written = {p: p.read_bytes() for p in (root / "app/components").glob("*.py")}
    requirement = next((root / "reqs").glob("REQ-002*.yaml"))
    edited = requirement.read_text().replace("the system shall raise", "the system shall at once raise", 1)
    requirement.write_text(edited)
    model = ScriptedModel(QuestionTooLong("local/tiny", 20_123, 16_384))
    with pytest.raises(ExamplesTooLong) as stopped:
        run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True)
    said = stopped.value.message
    assert "20,123 tokens" in said and "at most 16,384" in said and "local/tiny" in said
    assert "the visible examples of REQ-002" in said and "reqs/" in said and "holdout: true" in said
    assert requirement.read_text() == edited
    assert {p: p.read_bytes() for p in written} == written  # the code as the last build left it


class _Stub:
    """What LocalModel uses of llama.cpp, without a model file."""

    def __init__(self, prompt_tokens: int) -> None:
        self.prompt_tokens = prompt_tokens
        self.decoded = 0

    def n_ctx(self) -> int:
        return 8192

    def create_chat_completion(self, **_):
        raise ValueError(f"Requested tokens ({self.prompt_tokens}) exceed context window of 8192")

    def prompt(self, messages):
        return [0] * self.prompt_tokens

    def answers_to(self, questions, on_tokens=None):
        self.decoded += 1
        return [[] for _ in questions]


def _local(stub: _Stub) -> LocalModel:
    model = LocalModel.__new__(LocalModel)
    model.name, model.llm, model._batched, model.serial = "local/stub", stub, stub, None
    return model


def test_the_embedded_model_says_how_long_a_question_was_and_how_much_it_reads():
    with pytest.raises(QuestionTooLong) as error:
        _local(_Stub(8988)).complete(ASK)
    assert (error.value.needed, error.value.window) == (8988, 8192)
    assert "8,988 tokens" in error.value.message and "--model" in error.value.message


def test_answers_written_together_are_refused_before_decoding_when_one_question_cannot_fit_with_its_answer():
    stub = _Stub(BATCHED_CONTEXT - 100)
    with pytest.raises(QuestionTooLong) as error:
        _local(stub).complete_many(ASK, [CallOptions(max_tokens=700)] * 3)
    assert (error.value.needed, error.value.window) == (BATCHED_CONTEXT + 600, BATCHED_CONTEXT)
    assert stub.decoded == 0

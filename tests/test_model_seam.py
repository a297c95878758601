"""The ChatModel seam: text or a checked object back, with usage and time, and bounded asking again."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agents.models.fake import ScriptedModel, ScriptExhausted
from agents.models.seam import ModelError, SchemaViolation, Usage


class Verdict(BaseModel):
    passes: bool
    reason: str


ASK = [{"role": "user", "content": "Does 20 count as below 20?"}]


def test_plain_text_comes_back_with_usage_and_time():
    model = ScriptedModel("No, 20 is not below 20.")
    completion = model.complete(ASK)
    assert completion.text == "No, 20 is not below 20."
    assert completion.parsed is None
    assert completion.usage == Usage(prompt_tokens=6, completion_tokens=6)  # the fake counts words
    assert completion.seconds >= 0 and completion.attempts == 1


def test_a_pydantic_schema_gives_a_parsed_object_and_reaches_the_provider_as_json_schema():
    model = ScriptedModel({"passes": False, "reason": "20 is the limit"})
    completion = model.complete(ASK, Verdict)
    assert completion.parsed == Verdict(passes=False, reason="20 is the limit")
    assert model.history[0].schema == Verdict.model_json_schema()


def test_a_dict_schema_gives_a_dict_and_checks_required_keys():
    schema = {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"]}
    model = ScriptedModel({"code": "SELECT 1"}, {"sql": "SELECT 1"})
    completion = model.complete(ASK, schema)
    assert completion.parsed == {"sql": "SELECT 1"}
    assert completion.attempts == 2
    assert "it is missing 'sql'" in model.history[1].messages[-1]["content"]


def test_a_broken_answer_is_shown_back_to_the_model_once_and_then_accepted():
    model = ScriptedModel('{"passes": "maybe"}', {"passes": True, "reason": "ok"})
    completion = model.complete(ASK, Verdict)
    assert completion.parsed == Verdict(passes=True, reason="ok")
    assert completion.attempts == 2
    repair = model.history[1].messages
    assert repair[:1] == ASK
    assert repair[1] == {"role": "assistant", "content": '{"passes": "maybe"}'}
    assert repair[2]["content"].startswith("That answer does not fit the required JSON format: passes: Input should be a valid boolean")


def test_a_schema_kept_broken_stops_after_the_bound_and_shows_the_last_answer():
    model = ScriptedModel("not json", "still not json", "{nope")
    with pytest.raises(SchemaViolation) as error:
        model.complete(ASK, Verdict, attempts=3)
    assert len(model.history) == 3
    assert error.value.attempts == 3
    assert error.value.last_answer == "{nope"
    assert "Its last answer was:\n{nope\nWhat was wrong with it: it is not valid JSON" in error.value.message
    assert error.value.message.endswith("Try again, or choose a larger model with --model.")


def test_usage_adds_up_over_attempts():
    model = ScriptedModel("[1, 2", {"passes": True, "reason": "fine now"})
    completion = model.complete(ASK, Verdict)
    first, second = model.history
    assert completion.usage.completion_tokens == len("[1, 2".split()) + len('{"passes": true, "reason": "fine now"}'.split())
    assert completion.usage.prompt_tokens == len(first.messages[0]["content"].split()) + sum(len(m["content"].split()) for m in second.messages)


def test_the_fake_fails_on_cue_and_says_when_its_script_runs_out():
    model = ScriptedModel(ModelError("the endpoint is down"))
    with pytest.raises(ModelError, match="the endpoint is down"):
        model.complete(ASK)
    with pytest.raises(ScriptExhausted, match="Does 20 count as below 20"):
        model.complete(ASK)


def test_the_fake_can_answer_from_the_question():
    model = ScriptedModel(lambda messages: messages[-1]["content"].upper())
    assert model.complete(ASK).text == "DOES 20 COUNT AS BELOW 20?"
    assert model.prompts == ["Does 20 count as below 20?"]


def test_a_turn_keeps_calls_from_other_threads_out_until_it_ends():
    import threading

    model = ScriptedModel("first", "second", "other")
    model.serial = threading.RLock()  # as the embedded model, which serves one call at a time
    order = []
    other = threading.Thread(target=lambda: order.append(model.complete(ASK).text))
    with model.turn():
        order.append(model.complete(ASK).text)
        other.start()
        other.join(timeout=0.2)
        assert other.is_alive(), "the other thread waits for the turn to end"
        order.append(model.complete(ASK).text)
    other.join(timeout=5)
    assert order == ["first", "second", "other"]

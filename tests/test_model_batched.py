"""Several answers to one prompt through the seam: in order, each with its own options, and where a code block ends."""

from __future__ import annotations

import threading
import time

from agents.models.batched import block_closed
from agents.models.fake import ScriptedModel
from agents.models.openai_compat import OpenAICompatibleModel
from agents.models.seam import CallOptions, RawAnswer, Usage

ASK = [{"role": "user", "content": "Write it."}]


def test_a_provider_that_cannot_batch_answers_one_after_another_in_order():
    model = ScriptedModel("one", "two", "three")
    options = [CallOptions(temperature=t, seed=s) for t, s in ((0.0, 0), (0.8, 1), (0.8, 2))]
    answers = model.complete_many(ASK, options)
    assert [a.text for a in answers] == ["one", "two", "three"]
    assert [(c.options.temperature, c.options.seed) for c in model.history] == [(0.0, 0), (0.8, 1), (0.8, 2)]
    assert all(a.usage.completion_tokens == 1 and a.parsed is None for a in answers)


class Slow(OpenAICompatibleModel):
    """The endpoint provider with its request replaced: each answer takes a while, and says which seed asked."""

    def __init__(self) -> None:
        self.name, self.flying, self.most = "openai/slow", 0, 0
        self.lock = threading.Lock()

    def _generate(self, messages, schema, options):
        with self.lock:
            self.flying += 1
            self.most = max(self.most, self.flying)
        time.sleep(0.2)
        with self.lock:
            self.flying -= 1
        return RawAnswer(f"answer {options.seed}", Usage(10, 2))


def test_an_endpoint_is_asked_for_the_answers_in_parallel_and_they_come_back_in_order():
    model = Slow()
    started = time.perf_counter()
    answers = model.complete_many(ASK, [CallOptions(seed=s) for s in range(4)])
    assert [a.text for a in answers] == ["answer 0", "answer 1", "answer 2", "answer 3"]
    assert model.most == 4 and time.perf_counter() - started < 0.6


def test_a_code_block_ends_at_its_closing_fence():
    assert not block_closed("Here is the code:\n```python\ndef run():\n    return 1\n")
    assert block_closed("```python\ndef run():\n    return 1\n```")
    assert block_closed("Sure.\n```sql\nSELECT 1\n```\nThis query")
    assert not block_closed("no code here")
    assert not block_closed("```python")  # opened only


def test_several_questions_come_back_each_with_its_own_answers_in_order():
    model = Slow()
    answers = model.complete_each([(ASK, [CallOptions(seed=s) for s in (0, 1)]),
                                   ([{"role": "user", "content": "Another."}], [CallOptions(seed=s) for s in (2, 3, 4)])])
    assert [[a.text for a in mine] for mine in answers] == [["answer 0", "answer 1"], ["answer 2", "answer 3", "answer 4"]]
    assert model.most == 5, "every answer of every question asked for at once"
    scripted = ScriptedModel("a", "b", "c")
    assert [[a.text for a in mine] for mine in scripted.complete_each([(ASK, [CallOptions()]), (ASK, [CallOptions()] * 2)])] \
        == [["a"], ["b", "c"]]

"""The embedded 0.5b model, for real: a schema-constrained call returns a valid object."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agents.models.seam import CallOptions

pytestmark = pytest.mark.e2e


class Field(BaseModel):
    name: str
    type: str


class Collection(BaseModel):
    name: str
    fields: list[Field]


def test_a_schema_constrained_call_returns_a_valid_object(small_model):
    completion = small_model.complete(
        [
            {"role": "system", "content": "You describe data collections as JSON."},
            {"role": "user", "content": "Tank readings have a tank id (text), a level in percent (number) and the "
                                        "time they were taken (datetime). Describe the collection 'levels'."},
        ],
        Collection,
        options=CallOptions(max_tokens=256),
    )
    assert isinstance(completion.parsed, Collection)
    assert completion.attempts == 1, "the grammar should make the first answer fit the schema"
    assert completion.usage.prompt_tokens > 20 and completion.usage.completion_tokens > 5
    assert completion.seconds > 0


def test_plain_text_comes_back_too(small_model):
    completion = small_model.complete([{"role": "user", "content": "Write a Python function that adds two numbers."}],
                                      options=CallOptions(max_tokens=64))
    assert "def " in completion.text


CODE_TASK = [{"role": "system", "content": "You write Python. Answer with the code only, in one ```python block."},
             {"role": "user", "content": "Write `def run(numbers):` that returns the sum of the squares of the numbers."}]


def test_several_answers_are_written_together_each_well_formed(small_model):
    options = [CallOptions(max_tokens=160, temperature=0.0 if seed == 0 else 0.8, seed=seed, end_after_block=True)
               for seed in range(4)]
    answers = small_model.complete_many(CODE_TASK, options)
    assert len(answers) == 4
    for answer in answers:
        assert "def run(" in answer.text and answer.text.rstrip().endswith("```"), answer.text
        assert answer.usage.prompt_tokens > 20 and 0 < answer.usage.completion_tokens <= 160
    assert len({a.text for a in answers[1:]}) > 1, "different seeds should give different answers"
    again = small_model.complete_many(CODE_TASK, options)
    assert [a.text for a in again] == [a.text for a in answers], "the same seeds give the same answers"


def test_a_batched_answer_at_temperature_0_is_the_one_the_chat_path_gives(small_model):
    alone = small_model.complete(CODE_TASK, options=CallOptions(max_tokens=120))
    batched = small_model.complete_many(CODE_TASK, [CallOptions(max_tokens=120), CallOptions(max_tokens=120, temperature=0.8, seed=3)])
    assert batched[0].text == alone.text
    assert batched[0].usage == alone.usage


SQL_TASK = [{"role": "system", "content": "You write SQL. Answer with the query only, in one ```sql block."},
            {"role": "user", "content": "Table numbers(n integer). Write a query for the sum of the squares of n."}]


def test_two_questions_answered_in_one_batch_do_not_mix(small_model):
    # llama.cpp's sums differ a little with the number of sequences in a step, so a sampled answer is compared
    # with the one its question gets in a batch of the same size: the other question's cells must not leak in
    python_options = [CallOptions(max_tokens=120), CallOptions(max_tokens=120, temperature=0.8, seed=5)]
    sql_options = [CallOptions(max_tokens=80), CallOptions(max_tokens=80, temperature=0.8, seed=6)]
    filler = [CallOptions(max_tokens=80, temperature=0.8, seed=9)] * 2
    together = small_model.complete_each([(CODE_TASK, python_options), (SQL_TASK, sql_options)])
    sql_alone = small_model.complete_many(SQL_TASK, sql_options + filler)[:2]
    python_alone = small_model.complete_many(CODE_TASK, python_options + filler)[:2]
    assert [a.text for a in together[0]] == [a.text for a in python_alone]
    assert [a.text for a in together[1]] == [a.text for a in sql_alone]
    assert "def run(" in together[0][0].text and "select" in together[1][0].text.lower()
    assert together[1][0].usage.prompt_tokens == sql_alone[0].usage.prompt_tokens


def test_a_question_longer_than_the_window_is_refused_with_its_length_on_both_paths(small_model):
    from agents.models.seam import QuestionTooLong

    question = [{"role": "user", "content": "Add these up: " + " ".join(str(n) for n in range(10_000))}]
    for ask in (lambda: small_model.complete(question, options=CallOptions(max_tokens=16)),
                lambda: small_model.complete_many(question, [CallOptions(max_tokens=16)] * 2)):
        with pytest.raises(QuestionTooLong) as error:
            ask()
        assert error.value.needed > error.value.window >= 16_384


def test_answers_written_together_tell_how_far_they_are_ending_with_every_token_counted(small_model):
    told = []
    question = [{"role": "user", "content": "Write a Python function that adds two numbers."}]
    [answers] = small_model.complete_each([(question, [CallOptions(max_tokens=24, temperature=0.8, seed=s) for s in (1, 2)])],
                                          lambda read, to_read, written: told.append((read, to_read, written)))
    assert told, "told at least once, when the answers are written"
    assert [read for read, _, _ in told] == sorted(read for read, _, _ in told)
    assert told[-1] == (answers[0].usage.prompt_tokens, answers[0].usage.prompt_tokens,
                        sum(a.usage.completion_tokens for a in answers))

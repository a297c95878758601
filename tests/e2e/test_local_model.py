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

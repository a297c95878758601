"""A scripted model for tests: it answers from a queue and records every call."""

from __future__ import annotations

import inspect
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from agents.models.seam import CallOptions, ChatModel, Message, OnTokens, RawAnswer, Usage


@dataclass
class Recorded:
    """One call as the scripted model saw it."""

    messages: list[Message]
    schema: dict[str, Any] | None
    options: CallOptions = field(default_factory=CallOptions)


class ScriptExhausted(AssertionError):
    """The code under test asked the model more often than the test expected."""


class ScriptedModel(ChatModel):
    """Answers are str, dict/list (sent as JSON), pydantic objects, or exceptions to raise on cue.

    A callable answer is called with the messages (and the call's options,
    if it takes two arguments) and returns one of those, for tests whose
    answer depends on the question.
    """

    def __init__(self, *answers: Any, name: str = "fake/scripted") -> None:
        self.name = name
        self.queue: deque[Any] = deque(answers)
        self.history: list[Recorded] = []

    def enqueue(self, *answers: Any) -> ScriptedModel:
        self.queue.extend(answers)
        return self

    def _generate_each(self, questions: list[tuple[list[Message], list[CallOptions]]],
                       on_tokens: OnTokens | None = None) -> list[list[RawAnswer]]:
        """As a provider that tells how far it is: once the prompts are read, and once the answers are written."""
        answers = super()._generate_each(questions)
        if on_tokens is not None:
            read = sum(mine[0].usage.prompt_tokens for mine in answers if mine)  # each prompt read once
            on_tokens(read // 2, read, 0)
            on_tokens(read, read, sum(a.usage.completion_tokens for mine in answers for a in mine))
        return answers

    def _generate(self, messages: list[Message], schema: dict[str, Any] | None, options: CallOptions) -> RawAnswer:
        self.history.append(Recorded([dict(m) for m in messages], schema, options))
        if not self.queue:
            raise ScriptExhausted(f"the scripted model was asked a question it has no answer for:\n{messages[-1]['content'][:500]}")
        answer = self.queue.popleft()
        if callable(answer) and not isinstance(answer, type):
            wants_options = len(inspect.signature(answer).parameters) > 1
            answer = answer(messages, options) if wants_options else answer(messages)
        if isinstance(answer, BaseException) or (isinstance(answer, type) and issubclass(answer, BaseException)):
            raise answer
        text = _as_text(answer)
        prompt = sum(len(m["content"].split()) for m in messages)
        return RawAnswer(text, Usage(prompt_tokens=prompt, completion_tokens=len(text.split())))

    @property
    def prompts(self) -> list[str]:
        """Every message sent, as one text per call, for asserting what the model was shown."""
        return ["\n".join(m["content"] for m in call.messages) for call in self.history]


def _as_text(answer: Any) -> str:
    if isinstance(answer, str):
        return answer
    if isinstance(answer, BaseModel):
        return answer.model_dump_json()
    return json.dumps(answer)

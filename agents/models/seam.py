"""The one narrow seam between shall and any language model.

A provider implements `_generate`: messages in, text and token counts out,
constrained to a JSON schema when one is given. Everything else (timing,
parsing, checking the answer and asking again when it breaks the schema) is
done here once, the same for every provider.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from reqs.problems import ShallError

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
# Told now and then while answers are written: prompt tokens read, of how many, and answer tokens written so far.
OnTokens = Callable[[int, int, int], None]
T = TypeVar("T")


class ModelError(ShallError):
    """The model could not answer: unreachable, refused, or missing."""

    exit_code = 1


class QuestionTooLong(ModelError):
    """A question, with room for its answer, longer than the model can read at once (its context window).

    The model layer knows the sizes; the build says which requirement's question it was (agents.writing).
    """

    def __init__(self, model: str, needed: int, window: int) -> None:
        self.model, self.needed, self.window = model, needed, window
        super().__init__(f"the question, with room for its answer, is {needed:,} tokens, and {model} reads at most "
                         f"{window:,} at once. Ask something shorter, or choose a model that reads more with --model.")


class SchemaViolation(ModelError):
    """The model kept answering in a shape the schema does not allow."""

    def __init__(self, attempts: int, last_answer: str, error: str) -> None:
        self.attempts, self.last_answer, self.error = attempts, last_answer, error
        shown = last_answer if len(last_answer) <= 600 else last_answer[:600] + " …"
        super().__init__(
            f"the model broke the answer format {attempts} times in a row, so shall stopped asking.\n"
            f"Its last answer was:\n{shown}\nWhat was wrong with it: {error}\n"
            "Try again, or choose a larger model with --model."
        )


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens)

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class RawAnswer:
    """What a provider returns for one call."""

    text: str
    usage: Usage


@dataclass(frozen=True)
class Completion(Generic[T]):
    text: str
    parsed: T | None
    usage: Usage
    seconds: float
    attempts: int = 1


@dataclass
class CallOptions:
    max_tokens: int = 1024
    temperature: float = 0.0
    seed: int | None = None
    # Stop once a fenced code block has closed: what a model writes after its code is never read.
    # A saving where the provider can stop on it (the embedded model); others write on to their own end.
    end_after_block: bool = False


class ChatModel:
    """Base class for every provider. Subclasses implement `_generate` only.

    A provider that can serve one call at a time sets `serial` (a re-entrant
    lock); callers in other threads then wait their turn, and that wait is
    not counted as the call's time. `turn()` holds it for several calls in a
    row, so that calls sharing a prompt follow one another and a provider
    that keeps the last prompt evaluated (llama.cpp) reads it only once.
    """

    name: str = "model"
    serial: contextlib.AbstractContextManager | None = None  # a threading.RLock

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        if self.serial is None:
            yield
            return
        with self.serial:
            yield

    def complete(
        self,
        messages: list[Message],
        schema: type[BaseModel] | dict[str, Any] | None = None,
        *,
        attempts: int = 3,
        options: CallOptions | None = None,
    ) -> Completion[Any]:
        """Ask the model. With a schema, the answer is parsed and checked, and asked for again on a violation."""
        with self.turn():
            return self._complete(messages, schema, attempts, options or CallOptions())

    def complete_many(self, messages: list[Message], options: list[CallOptions]) -> list[Completion[Any]]:
        """Several answers to one prompt, one per options (each its own temperature and seed), in that order."""
        return self.complete_each([(messages, options)])[0]

    def complete_each(self, questions: list[tuple[list[Message], list[CallOptions]]],
                      on_tokens: OnTokens | None = None) -> list[list[Completion[Any]]]:
        """For each question (its messages, and one options per answer wanted), its answers, in that order.

        Here they are asked for one after another, in one turn; a provider that can write them together
        (the embedded model in one batch, an endpoint in parallel requests) overrides `_generate_each`.
        A provider that can tell how far it is calls `on_tokens` now and then; others never do.
        """
        with self.turn():
            started = time.perf_counter()
            answers = self._generate_each([(list(messages), options) for messages, options in questions], on_tokens)
        share = (time.perf_counter() - started) / max(1, sum(len(a) for a in answers))  # written together
        return [[Completion(answer.text, None, answer.usage, share) for answer in mine] for mine in answers]

    def _generate_each(self, questions: list[tuple[list[Message], list[CallOptions]]],
                       on_tokens: OnTokens | None = None) -> list[list[RawAnswer]]:
        return [[self._generate(messages, None, one) for one in options] for messages, options in questions]

    def _complete(self, messages: list[Message], schema: type[BaseModel] | dict[str, Any] | None,
                  attempts: int, options: CallOptions) -> Completion[Any]:
        json_schema = _json_schema(schema)
        conversation = list(messages)
        usage = Usage()
        started = time.perf_counter()
        for attempt in range(1, max(1, attempts) + 1):
            answer = self._generate(conversation, json_schema, options)
            usage = usage + answer.usage
            if schema is None:
                return Completion(answer.text, None, usage, time.perf_counter() - started, attempt)
            try:
                parsed = _parse(answer.text, schema)
            except ValueError as error:
                last_error = str(error)
                conversation = [*conversation, {"role": "assistant", "content": answer.text},
                                {"role": "user", "content": _REPAIR.format(error=last_error)}]
                continue
            return Completion(answer.text, parsed, usage, time.perf_counter() - started, attempt)
        raise SchemaViolation(attempts, answer.text, last_error)

    def _generate(self, messages: list[Message], schema: dict[str, Any] | None, options: CallOptions) -> RawAnswer:
        raise NotImplementedError


_REPAIR = "That answer does not fit the required JSON format: {error}\nAnswer again with only the corrected JSON."


def _json_schema(schema: type[BaseModel] | dict[str, Any] | None) -> dict[str, Any] | None:
    if schema is None:
        return None
    if isinstance(schema, dict):
        return schema
    return schema.model_json_schema()


def _parse(text: str, schema: type[BaseModel] | dict[str, Any]) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"it is not valid JSON ({error.msg} at character {error.pos})") from error
    if isinstance(schema, dict):
        missing = [key for key in schema.get("required", []) if not isinstance(data, dict) or key not in data]
        if schema.get("type") == "object" and not isinstance(data, dict):
            raise ValueError("it should be a JSON object")
        if missing:
            raise ValueError(f"it is missing {', '.join(repr(k) for k in missing)}")
        return data
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        details = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in error.errors(include_url=False)[:5])
        raise ValueError(details) from error


def regrouped(answers: list[Any], questions: list[tuple[Any, list[CallOptions]]]) -> list[list[Any]]:
    """Answers listed one after another, put back with the question each answers (as many as its options)."""
    found, start = [], 0
    for _, options in questions:
        found.append(answers[start:start + len(options)])
        start += len(options)
    return found

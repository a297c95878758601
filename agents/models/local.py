"""The embedded model: llama.cpp in-process, no key and no network."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.models.registry import LocalModelSpec
from agents.models.seam import (CallOptions, ChatModel, Message, ModelError, OnTokens, QuestionTooLong, RawAnswer,
                                Usage, regrouped)

if TYPE_CHECKING:
    from agents.models.batched import BatchedDecoder

# A question's examples can be long: a table of dates and numbers is a token for every digit. The Qwen2.5
# coders were trained on 32,768; the cache for 16,384 is 0.2 GB on the 0.5b and 0.5 GB on the 1.5b.
DEFAULT_CONTEXT = 16384
TOO_LONG = re.compile(r"Requested tokens \((\d+)\) exceed context window")
BATCHED_AT_MOST = 12      # answers written together, at most
BATCHED_CONTEXT = 16384   # for the question once and each answer's own tokens; the cache is one, shared


def _runs(asks: list[tuple[int, CallOptions]], prompts: list[list[int]]) -> list[dict[int, list[CallOptions]]]:
    """The answers asked for (question, options), cut into runs that each fit the batched context: each prompt
    read once in a run, each answer its room. A run is question -> the options of its answers there."""
    runs, start = [], 0
    while start < len(asks):
        end, room, read = start, BATCHED_CONTEXT, set()
        while end < len(asks) and end - start < BATCHED_AT_MOST:
            q, one = asks[end]
            cost = one.max_tokens + (len(prompts[q]) if q not in read else 0)
            if cost > room and end > start:
                break
            room, end = room - cost, end + 1
            read.add(q)
        groups: dict[int, list[CallOptions]] = {}
        for q, one in asks[start:end]:
            groups.setdefault(q, []).append(one)
        runs.append(groups)
        start = end
    return runs


class LocalModel(ChatModel):
    """With a schema, generation is constrained by a grammar made from it, so the answer is valid JSON of that shape.

    llama.cpp keeps the evaluated prompt between calls, so a call that starts
    with the same messages as the one before only evaluates the new part.
    """

    def __init__(self, spec: LocalModelSpec, path: Path, n_ctx: int = DEFAULT_CONTEXT,
                 n_threads: int | None = None, seed: int = 0) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise ModelError(
                "the embedded model needs llama-cpp-python, which is not installed. "
                "Install shall with its local extra: pip install 'shall[local]' (or -e '.[local]' in a checkout)."
            ) from error
        self.spec = spec
        self.name = f"local/{spec.name}"
        self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads or os.cpu_count() or 2,
                         seed=seed, verbose=False)
        self.serial = threading.RLock()  # llama.cpp's context is not thread-safe; the build fans out in threads
        self._batched: BatchedDecoder | None = None  # made on the first call for several answers

    def _generate_each(self, questions: list[tuple[list[Message], list[CallOptions]]],
                       on_tokens: OnTokens | None = None) -> list[list[RawAnswer]]:
        """The answers written together in one batch (agents/models/batched.py), as many questions at once as fit."""
        from agents.models.batched import BatchedDecoder

        if self._batched is None:
            self._batched = BatchedDecoder(self.llm, n_ctx=BATCHED_CONTEXT, n_seq_max=BATCHED_AT_MOST)
        prompts = [self._batched.prompt(messages) for messages, _ in questions]
        for prompt, (_, options) in zip(prompts, questions):  # each must fit alone with one answer; runs are packed below
            if (needed := len(prompt) + max(o.max_tokens for o in options)) > BATCHED_CONTEXT:
                raise QuestionTooLong(self.name, needed, BATCHED_CONTEXT)
        runs = _runs([(q, one) for q, (_, options) in enumerate(questions) for one in options], prompts)
        to_read = sum(len(prompts[q]) for groups in runs for q in groups)
        answers, read, written = [], 0, 0
        for groups in runs:  # the runs, one after another; what they were told adds up over them
            told = None if on_tokens is None else (
                lambda r, _, w, read=read, written=written: on_tokens(read + r, to_read, written + w))
            done = self._batched.answers_to([(prompts[q], many) for q, many in groups.items()], told)
            answers += [a for mine in done for a in mine]
            read += sum(len(prompts[q]) for q in groups)
            written += sum(a.completion_tokens for mine in done for a in mine)
        return regrouped([RawAnswer(a.text, Usage(a.prompt_tokens, a.completion_tokens)) for a in answers], questions)

    def _generate(self, messages: list[Message], schema: dict[str, Any] | None, options: CallOptions) -> RawAnswer:
        extra: dict[str, Any] = {}
        if schema is not None:
            extra["response_format"] = {"type": "json_object", "schema": schema}
        if options.seed is not None:
            extra["seed"] = options.seed
        try:
            response = self.llm.create_chat_completion(
                messages=messages, max_tokens=options.max_tokens, temperature=options.temperature, **extra,
            )
        except ValueError as error:  # llama.cpp says so when the prompt does not fit the context window
            if (said := TOO_LONG.search(str(error))) is None:
                raise ModelError(f"{self.name} could not answer: {error}") from error
            raise QuestionTooLong(self.name, int(said.group(1)), self.llm.n_ctx()) from error
        usage = response.get("usage") or {}
        return RawAnswer(response["choices"][0]["message"]["content"] or "",
                         Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)))

"""Any OpenAI-compatible endpoint: OpenAI, Azure, Ollama, vLLM, a llama.cpp server."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agents.models.seam import CallOptions, ChatModel, Message, ModelError, OnTokens, RawAnswer, Usage, regrouped

DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 4
PARALLEL_AT_MOST = 8  # requests in flight at once for several answers to one prompt


class EndpointUnreachable(ModelError):
    pass


class OpenAICompatibleModel(ChatModel):
    """Structured output goes through `response_format` with a JSON schema.

    Retries with exponential backoff on 429, 5xx, timeouts and dropped
    connections come from the openai client (`max_retries`); it honours the
    server's Retry-After.
    """

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, max_retries: int = DEFAULT_RETRIES) -> None:
        from openai import OpenAI

        self.model = model
        self.name = f"openai/{model}"
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        # Local servers (Ollama, llama.cpp) take any key; the client insists on one.
        key = api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        self.client = OpenAI(base_url=self.base_url, api_key=key, timeout=timeout, max_retries=max_retries)

    def _generate_each(self, questions: list[tuple[list[Message], list[CallOptions]]],
                       on_tokens: OnTokens | None = None) -> list[list[RawAnswer]]:
        """The answers asked for in parallel requests: a server that batches (vLLM, a llama.cpp server) writes them together."""
        asks = [(messages, one) for messages, options in questions for one in options]
        if len(asks) == 1:
            answers = [self._generate(asks[0][0], None, asks[0][1])]
        else:
            with ThreadPoolExecutor(max_workers=min(len(asks), PARALLEL_AT_MOST)) as pool:
                answers = list(pool.map(lambda ask: self._generate(ask[0], None, ask[1]), asks))
        return regrouped(answers, questions)

    def _generate(self, messages: list[Message], schema: dict[str, Any] | None, options: CallOptions) -> RawAnswer:
        import openai

        extra: dict[str, Any] = {}
        if schema is not None:
            extra["response_format"] = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
        if options.seed is not None:
            extra["seed"] = options.seed
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=options.max_tokens,
                temperature=options.temperature, **extra,
            )
        except openai.APITimeoutError as error:
            raise EndpointUnreachable(f"the model endpoint at {self.base_url} did not answer in time, even after retries; "
                                      "check that it is running, or raise the timeout") from error
        except openai.APIConnectionError as error:
            raise EndpointUnreachable(f"cannot reach the model endpoint at {self.base_url} ({error.__cause__ or error}); "
                                      "check OPENAI_BASE_URL and that the server is running") from error
        except openai.AuthenticationError as error:
            raise ModelError(f"the model endpoint at {self.base_url} refused the key (401); check OPENAI_API_KEY") from error
        except openai.NotFoundError as error:
            raise ModelError(f"the model endpoint at {self.base_url} does not know the model '{self.model}' (404); "
                             "check the name after openai/") from error
        except openai.RateLimitError as error:
            raise ModelError(f"the model endpoint at {self.base_url} is still limiting requests (429) after retries; "
                             "wait a while and run the command again") from error
        except openai.APIStatusError as error:
            raise ModelError(f"the model endpoint at {self.base_url} answered {error.status_code}: {_said(error)}") from error
        choice = response.choices[0]
        usage = response.usage
        return RawAnswer(choice.message.content or "",
                         Usage(usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0))


def _said(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict) and detail.get("message"):
            return str(detail["message"])
    return str(getattr(error, "message", error))

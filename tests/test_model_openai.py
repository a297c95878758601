"""The OpenAI-compatible provider against a stub chat-completions server on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import threading
import time
from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel

from agents.models.openai_compat import EndpointUnreachable, OpenAICompatibleModel
from agents.models.seam import ModelError, Usage
from tests.model_fixtures import closed_port


class Plan(BaseModel):
    components: list[str]


@dataclass
class StubServer:
    """Speaks just enough of POST /v1/chat/completions. Each reply is (status, body or content, delay)."""

    replies: list[tuple[int, object, float]]
    seen: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                status, payload, delay = stub.replies.pop(0) if stub.replies else (500, {"error": {"message": "no more replies"}}, 0)
                time.sleep(delay)
                if status == 200:
                    payload = {
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": payload}}],
                        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
                    }
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if status == 429:
                        self.send_header("retry-after-ms", "10")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as a timeout test wants

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def stub():
    servers = []

    def start(*replies):
        server = StubServer(list(replies))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.server.shutdown()
        server.server.server_close()


ASK = [{"role": "user", "content": "Plan the components."}]


def test_structured_output_sends_the_json_schema_and_parses_the_answer(stub):
    server = stub((200, '{"components": ["flag_low_tanks"]}', 0))
    model = OpenAICompatibleModel("gpt-test", base_url=server.url, api_key="sk-test")
    completion = model.complete(ASK, Plan)
    assert completion.parsed == Plan(components=["flag_low_tanks"])
    assert completion.usage == Usage(11, 7)
    request = server.seen[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "gpt-test"
    assert request["body"]["response_format"] == {"type": "json_schema", "json_schema": {"name": "answer", "schema": Plan.model_json_schema()}}


def test_a_429_is_retried_after_the_server_says(stub):
    server = stub((429, {"error": {"message": "slow down"}}, 0), (200, "fine", 0))
    model = OpenAICompatibleModel("gpt-test", base_url=server.url, max_retries=2)
    assert model.complete(ASK).text == "fine"
    assert len(server.seen) == 2


def test_a_500_is_retried_with_backoff_then_reported(stub):
    server = stub(*[(500, {"error": {"message": "the GPU caught fire"}}, 0)] * 3)
    model = OpenAICompatibleModel("gpt-test", base_url=server.url, max_retries=2)
    with pytest.raises(ModelError) as error:
        model.complete(ASK)
    assert len(server.seen) == 3
    assert error.value.message == f"the model endpoint at {server.url} answered 500: the GPU caught fire"


def test_a_timeout_is_retried_then_names_the_url(stub):
    server = stub((200, "late", 2.0), (200, "late", 2.0))
    model = OpenAICompatibleModel("gpt-test", base_url=server.url, timeout=0.3, max_retries=1)
    started = time.monotonic()
    with pytest.raises(EndpointUnreachable) as error:
        model.complete(ASK)
    assert time.monotonic() - started < 5
    assert error.value.message.startswith(f"the model endpoint at {server.url} did not answer in time")


def test_an_unreachable_endpoint_names_the_url():
    url = f"http://127.0.0.1:{closed_port()}/v1"
    model = OpenAICompatibleModel("gpt-test", base_url=url, max_retries=0)
    with pytest.raises(EndpointUnreachable) as error:
        model.complete(ASK)
    assert error.value.message.startswith(f"cannot reach the model endpoint at {url}")


def test_an_unknown_model_name_says_to_check_it(stub):
    server = stub((404, {"error": {"message": "model not found"}}, 0))
    model = OpenAICompatibleModel("gpt-nope", base_url=server.url, max_retries=0)
    with pytest.raises(ModelError, match="does not know the model 'gpt-nope'"):
        model.complete(ASK)


def test_base_url_and_key_come_from_the_environment(stub, monkeypatch):
    server = stub((200, "hello", 0))
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert OpenAICompatibleModel("gpt-test").complete(ASK).text == "hello"
    assert server.seen[0]["auth"] == "Bearer sk-from-env"

"""Small fake models: real wheels with fake parts, and a fake hub on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import os
import socket
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from agents.models.registry import LocalModelSpec


def make_fake_model(folder: Path, parts: int = 3, part_size: int = 50_000, name: str = "tiny") -> tuple[LocalModelSpec, bytes, Path]:
    """A model of random bytes, split into `parts` wheels in `folder/wheels`."""
    data = os.urandom(parts * part_size - 123)  # the last part is shorter, as real ones are
    spec = LocalModelSpec(
        name=name, hf_repo="fake/Tiny-GGUF", filename=f"{name}.gguf", size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), wheel_prefix=f"shall-test-{name}-part",
        wheel_count=parts, wheel_version="0.1.0",
    )
    wheels = folder / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for number in range(1, parts + 1):
        write_part_wheel(wheels, spec, number, data[(number - 1) * part_size: number * part_size])
    return spec, data, wheels


def write_part_wheel(wheels: Path, spec: LocalModelSpec, number: int, payload: bytes, part_label: int | None = None) -> Path:
    project = f"{spec.wheel_prefix}{number}".replace("-", "_")
    dist_info = f"{project}-{spec.wheel_version}.dist-info"
    path = wheels / f"{project}-{spec.wheel_version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{project}/__init__.py", "")
        archive.writestr(f"{project}/data/part{part_label or number:02d}.bin", payload)
        archive.writestr(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {project}\nVersion: {spec.wheel_version}\n")
        archive.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nGenerator: shall-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{dist_info}/RECORD", "")
    return path


@dataclass
class FakeHub:
    """Serves one file at /<hf_repo>/resolve/main/<filename>, with Range support."""

    spec: LocalModelSpec
    data: bytes
    cut_after: int | None = None  # stop sending after this many bytes, once
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hub.requests.append(self.headers.get("Range", ""))
                if self.path != f"/{hub.spec.hub_path}":
                    self.send_error(404)
                    return
                start = int(self.headers["Range"].split("=")[1].rstrip("-")) if self.headers.get("Range") else 0
                body = hub.data[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if hub.cut_after is not None:
                    cut, hub.cut_after = hub.cut_after, None
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

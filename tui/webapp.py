"""The built app's web pages, started from the TUI: `python -m app serve` in the workspace, on this computer only.

It runs beside the TUI and stops with it. The address is shown so a person can open it in a browser.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from reqs.problems import ShallError

FIRST_PORT = 8000


class WebApp:
    """One running `python -m app serve`; `address` is where a browser finds it."""

    def __init__(self, root: Path) -> None:
        if not (root / "app" / "web.py").exists():
            raise ShallError("There is no app to open yet: build first (b on the list).")
        self.port = free_port()
        self.address = f"http://127.0.0.1:{self.port}/"
        self.process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(self.port)], cwd=root,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)

    def ready(self, seconds: float = 15) -> bool:
        """Whether it answers within `seconds`; False if it stopped (its error is in `error()`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return True
            time.sleep(0.1)
        return False

    def error(self) -> str:
        if self.process.poll() is None:
            return "it did not answer in time"
        lines = (self.process.stderr.read() or "").strip().splitlines()
        return lines[-1] if lines else f"it stopped with exit code {self.process.returncode}"

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def free_port(start: int = FIRST_PORT) -> int:
    """The first port from `start` no one listens on at 127.0.0.1."""
    for port in range(start, start + 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ShallError(f"no free port between {start} and {start + 99} on this computer")

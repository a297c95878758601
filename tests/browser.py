"""A built app served for real (`python -m app serve`) and a real browser on it: Playwright driving Debian's Chromium.

Without Chromium the browser tests are skipped, unless SHALL_BROWSER_TESTS=required (as CI sets it, after
installing Chromium), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As root, and on a machine with no internet: no sandbox, and none of Chromium's background connections.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def need_chromium() -> None:
    if CHROMIUM:
        return
    if os.environ.get("SHALL_BROWSER_TESTS") == "required":
        pytest.fail("Chromium is not installed, and SHALL_BROWSER_TESTS=required: apt-get install chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def this_machines_address() -> str | None:
    """This machine's address on its network, as another machine reaches it; None if it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the route
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@contextmanager
def served(root: Path, *options: str, address: str = "127.0.0.1"):
    """`python -m app serve [options]` in a built workspace; yields the address a browser finds it at."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), *options], cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"http://{address}:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(address + "/", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError(f"python -m app serve stopped with exit code {server.returncode}")
                time.sleep(0.1)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()

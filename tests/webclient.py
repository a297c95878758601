"""The built water-tanks app's web application, through Starlette's test client, as many web tests use it.

The app is imported from the workspace as the package `app`, as `python -m app serve` runs it. A client can
come from another machine's address (`host`), which is how the tests see what the network may do.
"""

from __future__ import annotations

import importlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import WATER_TANKS, built_workspace

TANK = {"tank_id": "T1", "village": "Kanyawegi", "capacity_litres": "5000"}
AWAY = "192.168.1.20"  # a phone on the clinic's Wi-Fi


def forget_app() -> None:
    for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
        del sys.modules[name]


@dataclass
class Built:
    root: Path
    store: object
    web: ModuleType

    def client(self, host: str = "127.0.0.1", token: str | None = None, open_reading: bool = False):
        from starlette.testclient import TestClient

        return TestClient(self.web.make_app(self.store, token, open_reading), client=(host, 50000))


@pytest.fixture
def build_app(tmp_path, monkeypatch):
    """Makes the built app: `build_app(bodies=..., project_yaml=...)`, its store in a fresh data.sqlite."""
    made = []

    def make(bodies: dict[str, str] = WATER_TANKS, project_yaml: str | None = None) -> Built:
        root = built_workspace(tmp_path, bodies, project_yaml)
        monkeypatch.setenv("APP_DB", str(root / "data.sqlite"))
        monkeypatch.syspath_prepend(str(root))
        forget_app()
        store = importlib.import_module("app.store").Store(root / "data.sqlite")
        made.append(store)
        return Built(root, store, importlib.import_module("app.web"))

    yield make
    for store in made:
        store.close()
    forget_app()


def form_key(client, path: str = "/collections/tanks") -> str:
    page = client.get(path)
    return re.search(r'name="form_key" value="([^"]+)"', page.text).group(1)

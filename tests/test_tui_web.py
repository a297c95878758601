"""The built app's web pages, opened from the TUI after a build."""

from __future__ import annotations

import urllib.request

import pytest
from textual.widgets import Static

from agents.models.fake import ScriptedModel
from tests.helpers import WATER_TANKS, answers
from tests.helpers import workspace
from tests.test_tui import ONE_ANSWER, approve_build, wait_for
from tui.app import ShallApp

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def root(tmp_path):
    return workspace(tmp_path)


async def test_after_a_build_w_opens_the_app_and_says_where_it_is(root):
    app = ShallApp(root, model=ScriptedModel(*[answers(WATER_TANKS)] * 4), build_options=ONE_ANSWER)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: screen.report is not None)
        assert "Press w to open the app in a web browser." in str(screen.query_one("#status", Static).render())
        await pilot.press("w")
        await wait_for(pilot, lambda: "The app is open at" in str(screen.query_one("#status", Static).render()))
        address = app.web_app.address
        assert address.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(address + "collections/levels", timeout=5) as page:
            assert page.status == 200 and b"Levels" in page.read()
        server = app.web_app
    assert not server.running(), "it stops when the TUI does"

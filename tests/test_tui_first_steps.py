"""A nurse starts from nothing: from `shall init` to a first build in the TUI, keyboard only, no file opened."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from agents.models.fake import ScriptedModel
from reqs.initialize import init_workspace
from reqs.workspace import load_workspace
from tests.helpers import asked_for
from tests.test_tui import approve_build, wait_for
from tui.app import RequirementsScreen, ShallApp
from tui.dialogs import AskValue
from tui.editor import EditorScreen
from tui.project import ProjectScreen
from tui.questionscreen import AskQuestion
from tui.sheet import AskColumn

pytestmark = pytest.mark.anyio
SIZE = (110, 45)
TYPES = ["text", "integer", "number", "boolean", "date", "datetime"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def add_column(pilot, name: str, kind: str = "text", description: str = "") -> None:
    """Fill the new-column dialog as a person does: the name, Tab, the type from its list, Tab, the meaning."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, AskColumn))
    await pilot.press(*name, "tab", "enter", *["down"] * TYPES.index(kind), "enter")
    if app.screen.query("#description"):
        await pilot.press("tab", *description)
    await pilot.press("enter") if app.focused.id in ("name", "description") else await pilot.press("tab", "tab", "enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, AskColumn))


async def type_row(pilot, *cells: str) -> None:
    for cell in cells:
        await pilot.press(*cell, "enter")


async def write_requirement(pilot, title: str, statement: str, example: str, visits: list[str], result: str) -> None:
    """From the list: a new requirement, its example given two visits, and its result listing mother M1."""
    app = pilot.app
    await pilot.press("n")
    assert isinstance(app.screen, EditorScreen) and app.focused.id == "title"
    await pilot.press(*title, "tab", *statement)
    await pilot.press("tab", "tab", *example)  # past the priority, to the example's name
    await pilot.press("ctrl+g", *"visits", "enter")
    await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "ex-0-given-visits")
    await type_row(pilot, *visits)
    await pilot.press("ctrl+t", *result, "enter")
    await wait_for(pilot, lambda: app.focused is not None and app.focused.id == f"ex-0-then-{result}")
    await pilot.press("ctrl+l")
    await add_column(pilot, "mother_id")
    await type_row(pilot, "M1")
    await pilot.press("ctrl+s", "escape")


BODIES = {
    "make_high_blood_pressure": lambda seed: """
        def run(visits):
            return [{"mother_id": v["mother_id"]} for v in visits if v["systolic"] >= 140 or v["diastolic"] >= 90]
        """,
    "make_anaemia": lambda seed: f"""
        def run(visits):
            return [{{"mother_id": v["mother_id"]}} for v in visits if v["haemoglobin"] {'<=' if seed % 3 == 2 else '<'} 11.0]
        """,
}


def nurse_model(messages, options):
    import textwrap

    return f"```python\n{textwrap.dedent(BODIES[asked_for(messages)](options.seed)).strip()}\n```"


async def test_from_shall_init_to_a_first_build_keyboard_only(tmp_path):
    root = init_workspace(tmp_path / "clinic", "Antenatal clinic")
    app = ShallApp(root, model=ScriptedModel(*[nurse_model] * 12), build_options={"candidates": 3, "languages": ("python",)})
    async with app.run_test(size=SIZE) as pilot:
        assert "press p for the project" in str(app.screen.query_one("#summary", Static).render())
        # the project: what it is for, and the visits she records, field by field
        await pilot.press("p")
        assert isinstance(app.screen, ProjectScreen)
        await pilot.press("tab", *"Find the mothers who need a referral.", "ctrl+s")
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, AskValue)
        await pilot.press(*"visits", "enter")
        await add_column(pilot, "mother_id", "text", "The number on the mother's card")
        for name, kind, meaning in (("visit_date", "date", ""), ("systolic", "integer", "Top blood pressure number, mmHg"),
                                    ("diastolic", "integer", "Bottom blood pressure number, mmHg"),
                                    ("haemoglobin", "number", "g/dL")):
            await pilot.press("ctrl+l")
            await add_column(pilot, name, kind, meaning)
        fields = app.screen.query_one("#fields", DataTable)
        assert [str(fields.get_row_at(i)[1]) for i in range(fields.row_count)] == [
            "mother_id", "visit_date", "systolic", "diastolic", "haemoglobin"]
        await pilot.press("escape")
        assert isinstance(app.screen, RequirementsScreen)
        # two requirements, each with an example given the visits and the result it shall make
        await write_requirement(pilot, "High blood pressure",
                                "When a visit's systolic is 140 or more, or its diastolic 90 or more, the system "
                                "shall list the mother.", "two visits, one high",
                                ["M1", "2025-03-10", "150", "95", "12.0", "M2", "2025-03-10", "120", "80", "12.5"],
                                "high_blood_pressure")
        assert "Saved REQ-001" in "\n".join(n.message for n in app._notifications)
        await write_requirement(pilot, "Anaemia",
                                "When a visit's haemoglobin is below 11.0, the system shall list the mother.",
                                "one anaemic",
                                ["M1", "2025-03-10", "120", "80", "10.2", "M2", "2025-03-11", "118", "76", "12.5"],
                                "anaemia")
        workspace = load_workspace(root)
        assert workspace.problems == [] and [r.title for r in workspace.requirements] == ["High blood pressure", "Anaemia"]
        [high] = workspace.requirements[0].examples
        assert high.name == "two visits, one high" and high.then == {"high_blood_pressure": [{"mother_id": "M1"}]}
        assert high.given["visits"][0] == {"mother_id": "M1", "visit_date": "2025-03-10", "systolic": 150,
                                           "diastolic": 95, "haemoglobin": 12.0}
        assert workspace.project.collections["visits"].fields["systolic"].description == "Top blood pressure number, mmHg"
        assert workspace.project.description == "Find the mothers who need a referral."
        assert not (root / ".shall" / "drafts").exists() or not list((root / ".shall" / "drafts").iterdir())
        # the build, and its question answered with a key
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, AskQuestion) and app.screen.query("#question"), 60)
        await pilot.press("a")
        await wait_for(pilot, lambda: screen.report is not None, 60)
    asked = [(r.id, e) for r in load_workspace(root).requirements for e in r.examples if e.name.startswith("asked:")]
    assert [rid for rid, _ in asked] == ["REQ-002"], "the anaemia answers split at 11.0, and she said which is right"
    print((root / "reqs" / "project.yaml").read_text(), (root / "reqs" / "REQ-002.yaml").read_text())

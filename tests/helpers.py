"""What many tests share: example workspaces, correct component bodies, and scripted model answers."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

from agents.models.fake import ScriptedModel
from reqs.gitrepo import GitRepo
from reqs.initialize import GITIGNORE_LINES
from reqs.workspace import load_workspace
from specs.infer import infer_design
from specs.render import component_module, render_app, write_files

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Correct bodies for the water-tanks components, standing in for what the model writes.
WATER_TANKS = {
    "make_latest_levels": """
        def run(levels):
            latest = {}
            for reading in levels:
                seen = latest.get(reading["tank_id"])
                if seen is None or reading["taken_at"] > seen["taken_at"]:
                    latest[reading["tank_id"]] = reading
            return list(latest.values())
        """,
    "make_refill_alerts": """
        def run(latest_levels):
            return [{"tank_id": r["tank_id"], "level_pct": r["level_pct"]} for r in latest_levels if r["level_pct"] < 20]
        """,
    "make_refill_plan": """
        def run(latest_levels, refill_alerts, tanks):
            by_id = {t["tank_id"]: t for t in tanks}
            return [
                {"tank_id": a["tank_id"], "village": by_id[a["tank_id"]]["village"],
                 "litres_needed": by_id[a["tank_id"]]["capacity_litres"] * (100 - a["level_pct"]) / 100}
                for a in refill_alerts if a["tank_id"] in by_id
            ]
        """,
    "make_village_refills": """
        def run(refill_alerts, tanks):
            alerted = {a["tank_id"] for a in refill_alerts}
            counts = {}
            for tank in tanks:
                counts.setdefault(tank["village"], 0)
                counts[tank["village"]] += tank["tank_id"] in alerted
            return [{"village": v, "tanks_to_refill": n} for v, n in counts.items()]
        """,
}


# A component that returns nothing, whatever it reads: wrong on every example that expects records.
WRONG = "def run(**inputs):\n    return []\n"

# The latest levels in SQL, as the model would write them right.
LATEST_BY_SQL = """
    SELECT tank_id, level_pct, taken_at FROM levels
    QUALIFY row_number() OVER (PARTITION BY tank_id ORDER BY taken_at DESC) = 1;
"""


def built_workspace(tmp_path: Path, bodies: dict[str, str], project_yaml: str | None = None) -> Path:
    """water-tanks with its app rendered and `bodies` as its components; `project_yaml`: reqs/project.yaml's
    text instead of the example's."""
    root = tmp_path / "water-tanks"
    shutil.copytree(EXAMPLES / "water-tanks", root)
    if project_yaml is not None:
        (root / "reqs" / "project.yaml").write_text(project_yaml, encoding="utf-8")
    workspace = load_workspace(root)
    design = infer_design(workspace.project, workspace.requirements)
    files = render_app(design, workspace.project.name, {"description": workspace.project.description,
                                                        "collections": workspace.project.model_dump()["collections"],
                                                        "requirements": [r.model_dump() for r in workspace.requirements]})
    for component in design.components:
        files[component.path] = component_module(component, design, textwrap.dedent(bodies[component.name]), ["Serves REQ."])
    write_files(root, files)
    return root


def workspace(tmp_path: Path, name: str = "water-tanks") -> Path:
    """A copy of an example workspace, in a git repository of its own with the requirements committed."""
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root)
    (root / ".gitignore").write_text("\n".join(GITIGNORE_LINES) + "\n")
    GitRepo.open_or_init(root).commit(["reqs", ".gitignore"], "Requirements")
    return root


def asked_for(messages: list[dict]) -> str:
    """The component a prompt asks to write, from its 'Output: <collection>' line."""
    return "make_" + re.search(r"^Output: (?:rows of )?(\w+)", messages[1]["content"], re.M).group(1)


def answers(bodies: dict[str, str]):
    """A model answer that writes each component from `bodies`."""
    return lambda messages: f"```python\n{textwrap.dedent(bodies[asked_for(messages)]).strip()}\n```"


def right(name: str) -> str:
    """A model answer writing the component correctly."""
    return f"```python\n{textwrap.dedent(WATER_TANKS[name]).strip()}\n```"


def alert_rules(rules: list[str]):
    """A model answer writing the refill alerts with the rule its seed picks, and every other component correctly."""
    def answer(messages, options):
        if asked_for(messages) != "make_refill_alerts":
            return right(asked_for(messages))
        return ("```python\ndef run(latest_levels):\n    return [{'tank_id': r['tank_id'], 'level_pct': r['level_pct']}"
                f" for r in latest_levels if {rules[options.seed % len(rules)]}]\n```")
    return answer


def edit(root: Path, relative: str, old: str, new: str) -> None:
    """Replace `old` with `new` in a workspace's file, as a person would in an editor."""
    path = root / relative
    text = path.read_text()
    assert old in text, f"{old!r} is not in {relative}"
    path.write_text(text.replace(old, new))


def correct_model(calls: int = 4) -> ScriptedModel:
    return ScriptedModel(*[answers(WATER_TANKS)] * calls)


TWO_EXAMPLES = """\
id: REQ-001
title: Low tanks
statement: The system shall list the tanks whose level is below 20 %.
examples:
  - name: one low
    given: {levels: [{tank_id: T1, level_pct: 5.0, taken_at: "2025-05-01T07:00:00"}]}
    then: {low_tanks: [{tank_id: T1}]}
  - name: none low
    given: {levels: [{tank_id: T2, level_pct: 50.0, taken_at: "2025-05-01T07:00:00"}]}
    then: {low_tanks: []}
  - name: at the limit
    holdout: true
    given: {levels: [{tank_id: T3, level_pct: 20.0, taken_at: "2025-05-01T07:00:00"}]}
    then: {low_tanks: []}
"""


def holding_the_lock(root: Path):
    """Another process, building in `root` as far as the build lock can tell, until it is killed."""
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from agents.build import only_build
        with only_build(Path({str(root)!r})):
            print("holding", flush=True)
            time.sleep(600)
        """)], cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder

"""The rendered app: run() over the flow, isolation of failures, its own tests and its command line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from reqs.workspace import load_workspace
from specs.infer import infer_design
from specs.render import render_app, render_schemas
from tests.helpers import WATER_TANKS, built_workspace

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

def in_app(root: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=root, capture_output=True, text=True, timeout=60)


def test_the_schemas_render_the_design_as_plain_data():
    workspace = load_workspace(EXAMPLES / "water-tanks")
    text = render_schemas(infer_design(workspace.project, workspace.requirements),
                          workspace.project.model_dump()["collections"])
    assert text == textwrap.dedent("""\
        \"\"\"The collections and the order the components run in. Rendered by shall from specs/design.yaml; do not edit.\"\"\"

        SOURCES = ['tanks', 'levels']
        DERIVED = ['latest_levels', 'refill_alerts', 'refill_plan', 'village_refills']

        FIELDS = {
            'tanks': {'tank_id': 'text', 'village': 'text', 'capacity_litres': 'integer'},
            'levels': {'tank_id': 'text', 'level_pct': 'number', 'taken_at': 'datetime'},
            'latest_levels': {'tank_id': 'text', 'level_pct': 'number', 'taken_at': 'datetime'},
            'refill_alerts': {'tank_id': 'text', 'level_pct': 'number'},
            'refill_plan': {'tank_id': 'text', 'village': 'text', 'litres_needed': 'number'},
            'village_refills': {'village': 'text', 'tanks_to_refill': 'integer'},
        }

        # What the glossary says of each source collection, and of its fields: shown beside them in the forms
        ABOUT = {'tanks': "The committee's tanks.", 'levels': 'Level readings, taken by hand or sent by a sensor.'}
        LABELS = {'tanks': {'tank_id': 'The number painted on the tank', 'capacity_litres': 'How much the tank holds when full'}, 'levels': {'level_pct': 'How full the tank is, from 0 to 100'}}
        # The fields a record may leave empty (the glossary says required: false); every other field is needed
        OPTIONAL = {}
        # Source collections keyed by one field: a record of another collection naming that field names one of them
        KEYS = {'tanks': 'tank_id'}

        # (component, collections it reads, collections it writes), in the order they run
        FLOW = [
            ('make_latest_levels', ['levels'], ['latest_levels']),
            ('make_refill_alerts', ['latest_levels'], ['refill_alerts']),
            ('make_refill_plan', ['latest_levels', 'refill_alerts', 'tanks'], ['refill_plan']),
            ('make_village_refills', ['refill_alerts', 'tanks'], ['village_refills']),
        ]
        """)


def test_the_rendered_tests_pass_every_example_with_plain_pytest(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_requirements.py"],
                            cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "13 passed" in result.stdout


def test_run_returns_every_derived_collection_with_dates_as_text(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    result = in_app(root, """
        import json
        from app import run
        print(json.dumps(run({"levels": [{"tank_id": "T1", "level_pct": 5.0, "taken_at": "2025-05-01T07:00:00"}],
                              "tanks": [{"tank_id": "T1", "village": "Ojola", "capacity_litres": 1000}]})))
        """)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "latest_levels": [{"tank_id": "T1", "level_pct": 5.0, "taken_at": "2025-05-01T07:00:00"}],
        "refill_alerts": [{"tank_id": "T1", "level_pct": 5.0}],
        "refill_plan": [{"tank_id": "T1", "village": "Ojola", "litres_needed": 950.0}],
        "village_refills": [{"village": "Ojola", "tanks_to_refill": 1}],
    }


def test_a_crashing_component_takes_down_only_what_depends_on_it(tmp_path):
    broken = dict(WATER_TANKS, make_refill_alerts="def run(latest_levels):\n    return len(r for r in latest_levels)\n")
    root = built_workspace(tmp_path, broken)
    result = in_app(root, """
        import json
        from app import run_detailed
        result = run_detailed({"levels": [{"tank_id": "T1", "level_pct": 5.0, "taken_at": "2025-05-01T07:00:00"}], "tanks": []})
        print(json.dumps({"outputs": sorted(result.outputs), "failures": {k: v.strip().splitlines()[-1] for k, v in result.failures.items()}}))
        """)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "outputs": ["latest_levels"],
        "failures": {
            "make_refill_alerts": "TypeError: object of type 'generator' has no len()",
            "make_refill_plan": "skipped, because it reads refill_alerts, which could not be made",
            "make_village_refills": "skipped, because it reads refill_alerts, which could not be made",
        },
    }


def test_the_app_command_line_keeps_records_and_computes(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    (root / "levels.csv").write_text("tank_id,level_pct,taken_at\nT1,12.5,2025-05-01T07:00:00\nT2,80,2025-05-01T07:00:00\n")
    (root / "bad.csv").write_text("tank_id,level_pct,taken_at\nT3,full,2025-05-01T07:00:00\n")
    (root / "tanks.json").write_text(json.dumps([{"tank_id": "T1", "village": "Ojola", "capacity_litres": 2000},
                                                 {"tank_id": "T2", "village": "Ojola", "capacity_litres": 900}]))

    def app(*args):
        return subprocess.run([sys.executable, "-m", "app", *args], cwd=root, capture_output=True, text=True, timeout=60)

    before = app("add", "levels", "levels.csv")
    assert before.returncode == 2 and before.stderr.startswith("levels.csv: record 1: field 'tank_id' names 'T1', which "
                                                               "is not one of the tanks (there are none yet)")
    assert app("add", "tanks", "tanks.json").stdout.strip() == "Kept 2 new record(s) in tanks."
    assert app("add", "levels", "levels.csv").stdout.strip() == "Kept 2 new record(s) in levels."
    refused = app("add", "levels", "bad.csv")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == ["bad.csv:2: field 'level_pct' should be a number (like 12.5), got 'full'",
                                                   "Nothing was kept; correct the file and add it again."]
    assert json.loads(app("show", "refill_plan").stdout) == [{"tank_id": "T1", "village": "Ojola", "litres_needed": 1750.0}]
    assert app("run").stdout.splitlines() == ["latest_levels: 2", "refill_alerts: 1", "refill_plan: 1", "village_refills: 1"]
    assert (root / "data.sqlite").exists()


def test_the_rendered_app_needs_nothing_but_the_standard_library_and_what_it_declares():
    """The app runs where shall is not installed: none of its files may import shall's own packages, and every
    other package it imports is in app/requirements.txt. run() itself needs only the standard library and duckdb."""
    import ast
    import re

    workspace = load_workspace(EXAMPLES / "water-tanks")
    design = infer_design(workspace.project, workspace.requirements)
    files = render_app(design, workspace.project.name)
    declared = {re.split(r"[<>=\[ ]", line)[0].lower().replace("-", "_")
                for line in files["app/requirements.txt"].splitlines() if line and not line.startswith("#")}
    assert declared == {"duckdb", "starlette", "jinja2", "python_multipart", "uvicorn"}
    allowed = set(sys.stdlib_module_names) | {"app", "__future__"} | declared
    for path, text in files.items():
        if path in ("app/runner.py", "app/sql.py") or path.startswith("app/components/"):
            assert "starlette" not in text and "uvicorn" not in text, f"{path}: run() needs no web server"
        if not (path.startswith("app/") and path.endswith(".py")):
            continue
        for node in ast.walk(ast.parse(text)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            assert {name.split(".")[0] for name in names} <= allowed, f"{path} imports {names}"

"""shall installed in a folder only its owner may enter (mode 700, as `mktemp -d` makes) still builds SQL components.

The sandbox runs generated code as `nobody`, who cannot enter such a folder;
it must still find the interpreter and DuckDB there, and keep every wall.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]


def link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@pytest.fixture
def private_python(tmp_path) -> Path:
    """A virtual environment inside a mode-700 folder, holding its own DuckDB and reaching shall's other packages."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(private / "venv")], check=True)
    [packages] = (private / "venv" / "lib").glob("python*/site-packages")
    home = Path(duckdb.__file__).parent.parent
    shutil.copytree(home / "duckdb", packages / "duckdb", copy_function=link_or_copy)
    for metadata in home.glob("duckdb-*.dist-info"):  # duckdb reads its own version from here
        shutil.copytree(metadata, packages / metadata.name, copy_function=link_or_copy)
    for library in home.glob("_duckdb*.so"):
        link_or_copy(str(library), str(packages / library.name))
    # Everything else comes from shall's own environment, after the private copy of DuckDB.
    (packages / "shall-environment.pth").write_text("\n".join([str(REPO), *site.getsitepackages()]) + "\n")
    return private / "venv" / "bin" / "python"


def test_sql_components_run_walled_in_from_a_private_folder(private_python, tmp_path):
    script = textwrap.dedent(f"""
        import json
        from pathlib import Path
        from agents.sandbox import run_trials
        from tests.helpers import WATER_TANKS, built_workspace
        root = built_workspace(Path({str(tmp_path)!r}), WATER_TANKS)
        module = "import duckdb\\nfrom app.sql import run_sql\\n\\ndef run(levels):\\n" \\
                 "    rows = run_sql('SELECT tank_id FROM levels WHERE level_pct < 20', {{'levels': levels}}, 'x')\\n" \\
                 "    return [dict(row, duckdb=duckdb.__file__) for row in rows]\\n"
        levels = {{"levels": [{{"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-05-01T08:00:00"}}]}}
        from agents import isolation
        trial = run_trials(root, {{"sql": module}}, {{"one": levels}})["sql", "one"]
        print(json.dumps({{"output": trial.output, "error": trial.error, "walls": isolation.best().describe()}}))
        """)
    done = subprocess.run([str(private_python), "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    import json
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["error"] is None
    [record] = answer["output"]
    assert record["tank_id"] == "T1"
    assert record["duckdb"].startswith(str(tmp_path / "private"))
    if os.geteuid() == 0 and shutil.which("unshare"):
        assert "missing" not in answer["walls"], answer["walls"]


def test_a_build_from_a_private_folder_writes_sql_components_that_pass(private_python):
    tests = ["tests/test_build_graph.py::test_a_component_can_be_written_in_sql_and_runs_in_the_app",
             "tests/test_build_graph.py::test_a_query_reading_a_column_from_the_wrong_table_is_mended_and_the_log_says_so"]
    done = subprocess.run([str(private_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "2 passed" in done.stdout

"""Render the generated app from the design: everything except the component bodies, with no model."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from reqs.atomic import write_atomic
from specs.design import ComponentDesign, Design

SQL_MODULE_START = "from app.sql import run_sql\n"
# The column type a component's SQL sees for each field type; app/sql.py uses the same table.
SQL_COLUMN_TYPES = {"text": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
                    "datetime": "TIMESTAMP"}
GENERATED = "Rendered by shall from specs/design.yaml; do not edit."


def _template(name: str) -> str:
    return resources.files("specs").joinpath("templates", name).read_text(encoding="utf-8")


# What the app itself needs, beyond Python: `pip install -r app/requirements.txt` where it runs, without shall.
APP_REQUIREMENTS = """\
# The app's own dependencies: pip install -r app/requirements.txt
duckdb>=1.1,<3
starlette>=0.40,<2
jinja2>=3.1,<4
python-multipart>=0.0.9
uvicorn>=0.30,<1
"""


def render_app(design: Design, project_name: str, about: dict | None = None) -> dict[str, str]:
    """Every file of the app that shall owns outright, as {path: text}. `about`: the project's description and
    its requirements (id, title, statement), which the app's first page shows, and its glossary (`collections`,
    as in reqs/project.yaml), whose words label the forms and say which fields may be left empty."""
    files = {
        "app/__init__.py": _template("init.py.tmpl").replace("{name}", project_name),
        "app/__main__.py": _template("main.py.tmpl"),
        "app/records.py": _template("records.py.tmpl"),
        "app/store.py": _template("store.py.tmpl"),
        "app/web.py": _template("web.py.tmpl"),
        "app/openapi.py": _template("openapi.py.tmpl"),
        "app/access.py": _template("access.py.tmpl"),
        "app/runner.py": _template("runner.py.tmpl"),
        "app/sql.py": _template("sql.py.tmpl"),
        "app/schemas.py": render_schemas(design, (about or {}).get("collections") or {}),
        "app/about.json": render_about(design, project_name, about or {}),
        "app/requirements.txt": APP_REQUIREMENTS,
        "app/matching.py": resources.files("specs").joinpath("matching.py").read_text(encoding="utf-8"),
        "app/components/__init__.py": '"""One module per component, each a pure function written for one part of the design."""\n',
        "tests/test_requirements.py": _template("test_requirements.py.tmpl"),
    }
    web = resources.files("specs").joinpath("templates", "app")
    for folder in ("templates", "static"):
        for item in sorted(web.joinpath(folder).iterdir(), key=lambda i: i.name):
            files[f"app/{folder}/{item.name}"] = item.read_text(encoding="utf-8")
    return files


def render_about(design: Design, project_name: str, about: dict) -> str:
    """What the app's first page says: the project, and each requirement with the results it makes."""
    requirements = [{"id": r["id"], "title": r.get("title", ""), "statement": " ".join(str(r.get("statement", "")).split()),
                     "makes": sorted({w for c in design.components if r["id"] in c.requirements for w in c.writes})}
                    for r in about.get("requirements", [])]
    return json.dumps({"name": project_name, "description": " ".join(str(about.get("description") or "").split()),
                       "requirements": requirements}, indent=1, ensure_ascii=False) + "\n"


def render_schemas(design: Design, glossary: dict | None = None) -> str:
    """app/schemas.py: the collections, their fields, and what the glossary says of the source collections'
    fields (what each means, which may be left empty), and the order the components run in."""
    glossary = glossary or {}
    flow = design.flow()

    def said(collection: str) -> dict:
        return (glossary.get(collection) or {}).get("fields") or {}

    labels = {c: notes for c in design.sources if (notes := {f: " ".join(str(spec.get("description") or "").split())
                                                            for f, spec in said(c).items() if spec.get("description")})}
    optional = {c: fields for c in design.sources
                if (fields := [f for f, spec in said(c).items() if spec.get("required") is False])}
    about = {c: text for c in design.sources if (text := " ".join(str((glossary.get(c) or {}).get("description") or "").split()))}
    lines = [
        f'"""The collections and the order the components run in. {GENERATED}"""',
        "",
        f"SOURCES = {design.sources!r}",
        f"DERIVED = {design.derived!r}",
        "",
        "FIELDS = {",
        *(f"    {name!r}: {dict(collection.fields)!r}," for name, collection in design.collections.items()),
        "}",
        "",
        "# What the glossary says of each source collection, and of its fields: shown beside them in the forms",
        f"ABOUT = {about!r}",
        f"LABELS = {labels!r}",
        "# The fields a record may leave empty (the glossary says required: false); every other field is needed",
        f"OPTIONAL = {optional!r}",
        "# Source collections keyed by one field: a record of another collection naming that field names one of them",
        f"KEYS = {design.keys!r}",
        "",
        "# (component, collections it reads, collections it writes), in the order they run",
        "FLOW = [",
        *(f"    ({c.name!r}, {c.reads!r}, {c.writes!r})," for c in flow),
        "]",
        "",
    ]
    return "\n".join(lines)


def component_module(component: ComponentDesign, design: Design, code: str, requirement_lines: list[str]) -> str:
    """A component's file: a header saying what it is for, then the code the model wrote."""
    reads = ", ".join(f"{n} {_fields(design, n)}" for n in component.reads) or "nothing"
    header = [
        f'"""{component.name}: makes {", ".join(component.writes)}.',
        "",
        *requirement_lines,
        "",
        f"Reads: {reads}.",
        f"Writes: {', '.join(f'{n} {_fields(design, n)}' for n in component.writes)}.",
        '"""',
        "",
    ]
    return "\n".join(header) + code.strip() + "\n"


def sql_component_code(query: str, component: ComponentDesign) -> str:
    """A component written as one SQL query, as a Python module the runner calls like any other."""
    query = query.strip().rstrip(";").strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    parameters = ", ".join(component.reads)
    tables = ", ".join(f"{name!r}: {name}" for name in component.reads)
    return (f'from app.sql import run_sql\n\nQUERY = """\n{query}\n"""\n\n\n'
            f"def run({parameters}):\n    return run_sql(QUERY, {{{tables}}}, {component.writes[0]!r})\n")


def _fields(design: Design, collection: str) -> str:
    fields = design.collections[collection].fields
    return "(" + ", ".join(f"{name}: {kind}" for name, kind in fields.items()) + ")"


def write_files(root: Path, files: dict[str, str]) -> list[str]:
    """Write the files that differ; returns the paths written."""
    written = []
    for relative, text in files.items():
        path = root / relative
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        write_atomic(path, text)
        written.append(relative)
    return written

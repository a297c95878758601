"""The built app's web pages and JSON API (app/web.py), on a built water-tanks workspace, through Starlette's test client.

The app is imported from the workspace as the package `app`, as `python -m app serve` runs it.
"""

from __future__ import annotations

import importlib
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from reqs.workspace import load_workspace
from specs.infer import infer_design
from specs.render import render_app, write_files
from tests.helpers import EXAMPLES, WATER_TANKS, built_workspace
from tests.webclient import TANK, build_app, forget_app, form_key  # noqa: F401 (build_app: a fixture)


@pytest.fixture
def web(build_app):
    """The built app's client maker, its store, and the workspace."""
    built = build_app()
    return built.client, built.store, built.root


def test_the_first_page_shows_the_project_and_each_requirement_as_a_card(web):
    client, _, _ = web
    page = client().get("/")
    assert page.status_code == 200
    assert "<title>Village water tanks</title>" in page.text
    assert "When a tank&#39;s latest level is below 20 %, the system shall raise a refill alert for that tank." in page.text
    assert '<a href="/collections/refill_alerts">See the refill alerts</a>' in page.text
    assert '<link rel="stylesheet" href="/static/app.css">' in page.text and "http" not in page.text.split("<main>")[0]
    assert client().get("/static/app.css").status_code == 200


def test_a_record_added_through_the_form_changes_the_results(web):
    client, store, _ = web
    browser = client()
    key = form_key(browser)
    assert browser.post("/collections/tanks/add", data={**TANK, "form_key": key}, follow_redirects=False).status_code == 303
    browser.post("/collections/levels/add", data={"tank_id": "T1", "level_pct": "12.5", "taken_at": "2025-05-01T08:00",
                                                  "form_key": key})
    assert store.inputs()["levels"] == [{"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-05-01T08:00:00"}]
    alerts = browser.get("/collections/refill_alerts")
    assert '<tr><td data-label="Tank id">T1</td><td data-label="Level pct">12.5</td></tr>' in re.sub(r">\s+<", "><", alerts.text)
    plan = browser.get("/collections/refill_plan").text
    assert ">4375<" in plan and "Kanyawegi" in plan


def test_a_wrong_value_is_refused_next_to_its_field_and_what_was_typed_stays(web):
    client, store, _ = web
    browser = client()
    page = browser.post("/collections/levels/add", data={"tank_id": "T1", "level_pct": "full",
                                                         "taken_at": "2025-05-01T08:00", "form_key": form_key(browser)})
    assert page.status_code == 422
    assert 'id="add-level_pct-problem">This should be a number (like 12.5), got &#39;full&#39;</p>' in page.text
    assert 'value="full" aria-describedby="add-level_pct-hint add-level_pct-problem" aria-invalid="true"' in page.text
    assert '<option value="T1" selected>' in page.text, "what was chosen stays, though there is no such tank yet"
    assert store.count("levels") == 0


def test_a_form_sent_without_the_pages_key_is_refused(web):
    client, store, _ = web
    page = client().post("/collections/tanks/add", data=TANK)
    assert page.status_code == 403 and "out of date" in page.text
    assert store.count("tanks") == 0


def test_a_file_with_a_bad_line_is_refused_with_its_line_and_nothing_is_kept(web):
    client, store, _ = web
    browser = client()
    key = form_key(browser)
    bad = "tank_id,village,capacity_litres\nT1,Kanyawegi,5000\nT2,Ober,lots\n"
    page = browser.post("/collections/tanks/import", data={"form_key": key}, files={"file": ("tanks.csv", bad, "text/csv")})
    assert page.status_code == 422
    assert "tanks.csv:3: field &#39;capacity_litres&#39; should be a whole number (like 12), got &#39;lots&#39;" in page.text
    assert "Nothing was kept" in page.text and store.count("tanks") == 0
    good = bad.replace("lots", "800")
    page = browser.post("/collections/tanks/import", data={"form_key": key}, files={"file": ("tanks.csv", good, "text/csv")})
    assert "Kept 2 new record(s) from tanks.csv." in page.text and store.count("tanks") == 2
    exported = browser.get("/collections/tanks/export.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines() == ["id,tank_id,village,capacity_litres", "1,T1,Kanyawegi,5000", "2,T2,Ober,800"]


def test_a_record_is_changed_and_deleted(web):
    client, store, _ = web
    browser = client()
    key = form_key(browser)
    [record_id] = store.add("tanks", [{"tank_id": "T1", "village": "Kanyawegi", "capacity_litres": 5000}])
    assert 'value="Kanyawegi"' in browser.get(f"/collections/tanks/{record_id}").text
    browser.post(f"/collections/tanks/{record_id}", data={**TANK, "village": "Ober", "form_key": key})
    assert store.records("tanks")[0]["village"] == "Ober"
    browser.post(f"/collections/tanks/{record_id}/delete", data={"form_key": key})
    assert store.count("tanks") == 0
    assert browser.get("/collections/tanks/999").status_code == 404


def test_the_api_reads_every_collection_and_adds_checked_records(web):
    client, store, _ = web
    device = client()
    assert device.post("/api/collections/tanks", json=[{"tank_id": "T1", "village": "Ober", "capacity_litres": 800},
                                                       {"tank_id": "T2", "village": "Got", "capacity_litres": 900}]).status_code == 201
    added = device.post("/api/collections/levels", json=[
        {"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-05-01T08:00:00"},
        {"tank_id": "T2", "level_pct": 64, "taken_at": "2025-05-01T09:00:00"}])
    assert added.status_code == 201 and added.json()["kept"] == 2
    for name in json.loads(device.get("/api/collections").text)["sources"] + device.get("/api/collections").json()["results"]:
        assert device.get(f"/api/collections/{name}").status_code == 200, name
    assert device.get("/api/collections/refill_alerts").json() == [{"tank_id": "T1", "level_pct": 12.5}]
    wrong = device.post("/api/collections/levels", json=[{"tank_id": "T3", "level_pct": 5.0, "taken_at": "2025-05-02T08:00:00"},
                                                         {"tank_id": "T4", "level_pct": "full", "colour": "red"}])
    assert wrong.status_code == 422 and wrong.json()["kept"] == 0
    assert {(e["record"], e["field"]) for e in wrong.json()["errors"]} == {(2, "colour"), (2, "level_pct"), (2, "taken_at")}
    assert store.count("levels") == 2, "nothing of a list with a wrong record is kept"
    assert device.post("/api/collections/refill_alerts", json={}).status_code == 405


def test_the_api_is_described_by_openapi(web):
    from openapi_spec_validator import validate

    client, _, _ = web
    described = client().get("/openapi.json").json()
    validate(described)  # raises, naming the place, where it is not valid OpenAPI 3.1
    assert described["info"]["title"] == "Village water tanks"
    assert set(described["paths"]) == {"/api/collections"} | {f"/api/collections/{n}" for n in
                                       ("tanks", "levels", "latest_levels", "refill_alerts", "refill_plan", "village_refills")}
    assert "post" in described["paths"]["/api/collections/levels"]
    assert "post" not in described["paths"]["/api/collections/refill_plan"]
    assert "format" not in described["components"]["schemas"]["levels"]["properties"]["taken_at"], \
        "a moment without an offset is not JSON Schema's date-time"


WORKSPACES = sorted(folder for folder in [*EXAMPLES.iterdir(), *(EXAMPLES.parent / "bench" / "workspaces").iterdir()]
                    if (folder / "reqs").is_dir())


@pytest.mark.parametrize("folder", WORKSPACES, ids=lambda folder: folder.name)
def test_every_workspaces_api_description_is_valid_openapi(folder, tmp_path, monkeypatch):
    from openapi_spec_validator import validate

    loaded = load_workspace(folder)
    design = infer_design(loaded.project, loaded.requirements)
    rendered = render_app(design, loaded.project.name)
    write_files(tmp_path, {"app/__init__.py": "", **{path: rendered[path] for path in ("app/schemas.py", "app/openapi.py",
                                                                                       "app/records.py")}})
    monkeypatch.syspath_prepend(str(tmp_path))
    forget_app()
    try:
        described = importlib.import_module("app.openapi").openapi_description({"name": loaded.project.name})
        validate(described)
        assert len(described["paths"]) == 1 + len(design.collections)
    finally:
        forget_app()


def _answers_as_described(described: dict, path: str, method: str, response, sent=None) -> None:
    """The response (and what was sent) fit the schemas the description gives for them."""
    from jsonschema import Draft202012Validator

    def check(schema: dict, value) -> None:
        # The schemas' $refs point into the description's components, so they are checked inside it.
        validator = Draft202012Validator({"allOf": [schema], "components": described["components"]})
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]
        assert not problems, f"{method.upper()} {path} {response.status_code}: {problems}"

    operation = described["paths"][path][method]
    if sent is not None:
        check(operation["requestBody"]["content"]["application/json"]["schema"], sent)
    answer = operation["responses"][str(response.status_code)]
    check(answer["content"]["application/json"]["schema"], response.json())


def test_the_api_answers_as_its_description_says(web):
    client, _, _ = web
    api = client()
    described = api.get("/openapi.json").json()
    tanks = [{"tank_id": "T1", "village": "Kanyawegi", "capacity_litres": 5000}, {"tank_id": "T2", "village": "Ober",
                                                                                   "capacity_litres": 800}]
    levels = {"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-05-01T08:00:00"}
    for path, body in (("/api/collections/tanks", tanks), ("/api/collections/levels", levels)):
        _answers_as_described(described, path, "post", api.post(path, json=body), sent=body)
    wrong = [{"tank_id": "T3", "capacity_litres": "lots"}]
    refused = api.post("/api/collections/tanks", json=wrong)
    assert refused.status_code == 422
    _answers_as_described(described, "/api/collections/tanks", "post", refused)
    _answers_as_described(described, "/api/collections", "get", api.get("/api/collections"))
    for path in (p for p in described["paths"] if p != "/api/collections"):
        answer = api.get(path)
        assert answer.status_code == 200 and answer.json(), f"{path} should have records after the posts"
        _answers_as_described(described, path, "get", answer)
    stranger = client(host="192.168.1.20").post("/api/collections/levels", json=levels)
    _answers_as_described(described, "/api/collections/levels", "post", stranger)


def test_records_an_older_app_kept_move_into_tables_and_a_field_dropped_by_a_rebuild_is_kept_aside(web):
    _, _, root = web
    store_module = sys.modules["app.store"]
    old = root / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE records (collection TEXT NOT NULL, data TEXT NOT NULL)")
        db.executemany("INSERT INTO records VALUES (?, ?)", [
            ("tanks", json.dumps({"tank_id": "T1", "village": "Ober", "capacity_litres": 800, "colour": "blue"})),
            ("levels", json.dumps({"tank_id": "T1", "level_pct": 10.0, "taken_at": "2025-05-01T08:00:00"}))])
    store = store_module.Store(old)
    assert store.inputs()["tanks"] == [{"tank_id": "T1", "village": "Ober", "capacity_litres": 800}]
    assert store.count("levels") == 1
    assert store.set_aside() == {"tanks": ["colour"]}, "the field the design no longer has is kept, and named"
    store.close()
    again = store_module.Store(old)
    assert again.count("tanks") == 1, "moved once"
    again.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_m_app_serve_listens_on_this_computer_only_by_default(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=root,
                              stderr=subprocess.PIPE, text=True)
    try:
        said = server.stderr.readline()
        assert said.strip() == f"The app is at http://127.0.0.1:{port}/ (Ctrl-C stops it)"
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200 and b"Village water tanks" in response.read()
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the app never answered")
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
        assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening
    finally:
        server.terminate()
        server.wait(timeout=10)

"""What the built app keeps, and how its pages show it: one convention for dates and times, no blank or
impossible records, deleting that asks first and can be undone, imports that update by id, and the glossary's
words on the forms."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time

import pytest

from tests.helpers import EXAMPLES, WATER_TANKS
from tests.webclient import TANK, build_app, form_key  # noqa: F401 (build_app: a fixture)


@pytest.fixture
def nairobi(monkeypatch):
    """This computer's clock in East Africa Time (UTC+3), so that a moment sent in UTC must move."""
    monkeypatch.setenv("TZ", "EAT-3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def with_tank(built, tank_id: str = "T1", village: str = "Kanyawegi") -> None:
    built.store.add("tanks", [{"tank_id": tank_id, "village": village, "capacity_litres": 5000}])


def test_a_time_sent_with_a_zone_beside_one_typed_in_the_form_is_kept_as_local_time_and_every_result_works(
        build_app, nairobi):
    built = build_app()
    with_tank(built)
    here = built.client()
    sent = here.post("/api/collections/levels", json={"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-06-12T07:40:00Z"})
    assert sent.status_code == 201
    here.post("/collections/levels/add", data={"tank_id": "T1", "level_pct": "55", "taken_at": "2025-06-12T09:00",
                                               "form_key": form_key(here)})
    assert [r["taken_at"] for r in built.store.inputs()["levels"]] == ["2025-06-12T10:40:00", "2025-06-12T09:00:00"]
    for name in ("latest_levels", "refill_alerts", "refill_plan", "village_refills"):
        assert here.get(f"/api/collections/{name}").status_code == 200, name
        assert "could not be worked out" not in here.get(f"/collections/{name}").text, name
    assert here.get("/api/collections/latest_levels").json() == [
        {"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-06-12T10:40:00"}], "10:40 local is the later reading"


def test_the_components_never_meet_a_time_with_a_zone_even_from_records_kept_before(build_app, nairobi):
    build_app()
    from app import run

    outputs = run({"tanks": [], "levels": [
        {"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-06-12T07:40:00+00:00"},
        {"tank_id": "T1", "level_pct": 55.0, "taken_at": dt.datetime(2025, 6, 12, 9, 0)}]})
    assert outputs["latest_levels"] == [{"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-06-12T10:40:00"}]


def test_a_result_that_fails_is_named_and_the_other_results_and_pages_still_work(build_app):
    broken = {**WATER_TANKS, "make_village_refills": "def run(refill_alerts, tanks):\n    raise TypeError('boom')\n"}
    built = build_app(bodies=broken)
    with_tank(built)
    here = built.client()
    page = here.get("/collections/village_refills")
    assert page.status_code == 200 and "could not be worked out" in page.text and "boom" in page.text
    assert here.get("/api/collections/village_refills").status_code == 500
    for name in ("latest_levels", "refill_alerts", "refill_plan"):
        assert here.get(f"/collections/{name}").status_code == 200 and here.get(f"/api/collections/{name}").status_code == 200
    assert here.get("/").status_code == 200


def test_a_blank_record_is_refused_field_by_field_through_the_api_and_the_form(build_app):
    built = build_app()
    here = built.client()
    blank = here.post("/api/collections/tanks", json={})
    assert blank.status_code == 422
    assert {(e["field"], e["message"]) for e in blank.json()["errors"]} == {
        (f, f"field {f!r} is empty, and every record needs it") for f in ("tank_id", "village", "capacity_litres")}
    page = here.post("/collections/tanks/add", data={"tank_id": "", "village": "", "capacity_litres": "",
                                                     "form_key": form_key(here)})
    assert page.status_code == 422
    assert page.text.count("Fill this in: every record needs it.") == 3
    assert built.store.count("tanks") == 0


def test_a_field_the_glossary_says_is_not_required_may_be_left_empty(build_app):
    project = (EXAMPLES / "water-tanks" / "reqs" / "project.yaml").read_text()
    project = project.replace("village: {type: text}", "village: {type: text, required: false}")
    built = build_app(project_yaml=project)
    here = built.client()
    assert here.post("/api/collections/tanks", json={"tank_id": "T1", "capacity_litres": 800}).status_code == 201
    assert "(may be left empty)" in here.get("/collections/tanks").text
    assert here.get("/openapi.json").json()["components"]["schemas"]["tanks"]["required"] == ["tank_id", "capacity_litres"]


def test_a_reading_must_name_a_tank_that_exists(build_app, tmp_path):
    built = build_app()
    with_tank(built, "T1", "Kanyawegi")
    with_tank(built, "T2", "Ober")
    here = built.client()
    refused = here.post("/api/collections/levels", json={"tank_id": "T9", "level_pct": 40, "taken_at": "2025-05-01T08:00"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"record": 1, "field": "tank_id", "message": "field 'tank_id' names 'T9', which "
                                         "is not one of the tanks (T1, T2); add it to the tanks first"}]
    form = here.get("/collections/levels").text
    assert re.search(r'<select id="add-tank_id" name="tank_id"', form)
    assert '<option value="T1">T1 (Kanyawegi)</option>' in form and '<option value="T2">T2 (Ober)</option>' in form
    page = here.post("/collections/levels/add", data={"tank_id": "T9", "level_pct": "40", "taken_at": "2025-05-01T08:00",
                                                      "form_key": form_key(here)})
    assert page.status_code == 422 and "This names &#39;T9&#39;, which is not one of the tanks" in page.text
    assert '<option value="T9" selected>T9 (not one of the tanks)</option>' in page.text, "what was chosen stays"
    csv = "tank_id,level_pct,taken_at\nT1,50,2025-05-01T08:00\nT9,40,2025-05-01T08:00\n"
    imported = here.post("/collections/levels/import", data={"form_key": form_key(here)},
                         files={"file": ("levels.csv", csv, "text/csv")})
    assert imported.status_code == 422 and "levels.csv: record 2: field &#39;tank_id&#39; names &#39;T9&#39;" in imported.text
    assert built.store.count("levels") == 0


def test_deleting_asks_first_and_a_deleted_record_can_be_brought_back(build_app):
    built = build_app()
    with_tank(built, "T1", "Kanyawegi")
    here = built.client()
    table = here.get("/collections/tanks").text
    assert '<a href="/collections/tanks/1/delete" class="danger">Delete…</a>' in table
    asking = here.get("/collections/tanks/1/delete")
    assert asking.status_code == 200 and "Delete this record of the tanks?" in asking.text and "Kanyawegi" in asking.text
    assert built.store.count("tanks") == 1, "asking deletes nothing"
    gone = here.post("/collections/tanks/1/delete", data={"form_key": form_key(here)})
    assert built.store.count("tanks") == 0
    assert "Deleted T1, Kanyawegi, 5000." in gone.text and "Deleted lately (1)" in gone.text
    assert re.search(r'<form method="post" action="/collections/tanks/1/restore" class="inline">', gone.text), \
        "the notice itself offers to bring it back"
    back = here.post("/collections/tanks/1/restore", data={"form_key": form_key(here)})
    assert "T1, Kanyawegi, 5000 is back." in back.text and "Deleted lately" not in back.text
    assert built.store.records("tanks") == [{"id": 1, "tank_id": "T1", "village": "Kanyawegi", "capacity_litres": 5000}]
    assert here.post("/collections/tanks/1/restore", data={"form_key": form_key(here)}).status_code == 404


def test_exported_records_imported_again_change_those_records_instead_of_adding_copies(build_app):
    built = build_app()
    here = built.client()
    with_tank(built, "T1", "Kanyawegi")
    with_tank(built, "T2", "Ober")
    exported = here.get("/collections/tanks/export.csv").text
    assert exported.splitlines() == ["id,tank_id,village,capacity_litres", "1,T1,Kanyawegi,5000", "2,T2,Ober,5000"]
    changed = exported.replace("2,T2,Ober,5000", "2,T2,Ober,800") + "\n,T3,Got,300\n"
    page = here.post("/collections/tanks/import", data={"form_key": form_key(here)},
                     files={"file": ("tanks.csv", changed, "text/csv")})
    assert "Kept 1 new record(s) from tanks.csv, and changed 2 kept before." in page.text
    assert [(r["id"], r["tank_id"], r["capacity_litres"]) for r in built.store.records("tanks")] == [
        (1, "T1", 5000), (2, "T2", 800), (3, "T3", 300)]


def test_python_m_app_add_of_an_exported_file_changes_records_too(build_app, tmp_path):
    built = build_app()
    with_tank(built, "T1", "Kanyawegi")
    export = tmp_path / "tanks.csv"
    export.write_text("id,tank_id,village,capacity_litres\n1,T1,Kanyawegi,7000\n")
    done = subprocess.run([sys.executable, "-m", "app", "add", "tanks", str(export)], cwd=built.root,
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "Kept 0 new record(s) in tanks, and changed 1."
    built.store.db.commit()
    assert [r["capacity_litres"] for r in built.store.records("tanks")] == [7000]


def test_the_forms_speak_the_glossarys_words_and_show_times_as_people_read_them(build_app):
    built = build_app()
    with_tank(built)
    built.store.add("levels", [{"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-06-10T07:05:00"}])
    here = built.client()
    page = here.get("/collections/levels").text
    assert '<p class="hint" id="add-level_pct-hint">How full the tank is, from 0 to 100</p>' in page
    assert "Level readings, taken by hand or sent by a sensor." in page
    assert '<td data-label="Taken at">10 Jun 2025, 07:05</td>' in page
    assert "2025-06-10T07:05:00" not in page
    now = re.search(r'id="add-taken_at" name="taken_at" type="datetime-local"\s+step="60"\s+value="([^"]*)"', page)
    assert now, "a date and time is picked to the minute"
    typed = dt.datetime.fromisoformat(now.group(1))
    assert abs((dt.datetime.now() - typed).total_seconds()) < 120 and len(now.group(1)) == 16, "it starts at now"
    change = here.get("/collections/levels/1").text
    assert 'value="2025-06-10T07:05"' in change
    assert '<p class="hint" id="add-tank_id-hint">The number painted on the tank</p>' in here.get("/collections/tanks").text

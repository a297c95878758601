"""The built app in a real browser, as a nurse or a farmer would use it: forms, errors next to fields, import, delete."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.browser import browser, need_chromium, served, this_machines_address
from tests.helpers import WATER_TANKS, built_workspace

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tmp_path):
    need_chromium()
    root = built_workspace(tmp_path, WATER_TANKS)
    with served(root) as address, browser() as chromium:
        tab = chromium.new_page()
        tab.set_default_timeout(15_000)
        tab.address = address
        yield tab


def add(page, collection: str, **values: str) -> None:
    page.goto(f"{page.address}/collections/{collection}")
    for field, value in values.items():
        if page.locator(f"select#add-{field}").count():
            page.select_option(f"#add-{field}", value)
        else:
            page.fill(f"#add-{field}", value)
    page.click("form[action$='/add'] button[type=submit]")


def test_a_record_added_through_the_form_shows_in_a_result(page):
    add(page, "tanks", tank_id="T1", village="Kanyawegi", capacity_litres="5000")
    add(page, "levels", tank_id="T1", level_pct="12.5", taken_at="2025-05-01T08:00")
    assert page.locator("tbody tr").first.inner_text().split("\t")[:3] == ["T1", "12.5", "1 May 2025, 08:00"]
    page.click("text=Village water tanks")
    page.click("a[href='/collections/refill_plan']")
    row = page.locator("tbody tr").first.inner_text()
    assert "T1" in row and "Kanyawegi" in row and "4375" in row


def test_a_wrong_value_is_refused_next_to_its_field(page):
    # the browser lets only numbers into a number field; a count of litres must also be whole
    add(page, "tanks", tank_id="T1", village="Kanyawegi", capacity_litres="12.5")
    problem = page.locator("#add-capacity_litres-problem")
    assert problem.inner_text() == "This should be a whole number (like 12), got '12.5'"
    assert page.get_attribute("#add-capacity_litres", "aria-describedby") == \
        "add-capacity_litres-hint add-capacity_litres-problem", "the glossary's words, then what is wrong"
    assert page.input_value("#add-village") == "Kanyawegi", "what was typed stays"
    assert page.locator("tbody tr").first.inner_text().startswith("No records yet")


def test_a_csv_with_a_bad_line_is_refused_with_its_line_and_nothing_is_kept(page, tmp_path):
    bad = tmp_path / "tanks.csv"
    bad.write_text("tank_id,village,capacity_litres\nT1,Kanyawegi,5000\nT2,Ober,lots\n")
    page.goto(f"{page.address}/collections/tanks")
    page.set_input_files("#file", str(bad))
    page.click("form[action$='/import'] button[type=submit]")
    notice = page.locator("[role=alert]").inner_text()
    assert notice.startswith("tanks.csv:3: field 'capacity_litres' should be a whole number") and "Nothing was kept" in notice
    assert page.locator("tbody tr").first.inner_text().startswith("No records yet")


def test_deleting_asks_first_and_a_deleted_record_can_be_brought_back(page):
    add(page, "tanks", tank_id="T1", village="Kanyawegi", capacity_litres="5000")
    add(page, "tanks", tank_id="T2", village="Ober", capacity_litres="800")
    kept = page.locator("table.records").first
    kept.locator("tbody tr", has_text="T1").locator("a", has_text="Delete").click()
    assert page.locator("h1").inner_text() == "Delete this record of the tanks?"
    assert "Kanyawegi" in page.locator("dl.record").inner_text()
    page.click("text=No, keep it")
    assert len(page.locator("table.records").first.locator("tbody tr").all()) == 2, "keeping it changes nothing"
    page.locator("table.records").first.locator("tbody tr", has_text="T1").locator("a", has_text="Delete").click()
    page.click("button:has-text('Delete it')")
    assert page.locator("[role=status]").inner_text().startswith("Deleted T1, Kanyawegi, 5000.")
    rows = page.locator("table.records").first.locator("tbody tr").all_inner_texts()
    assert len(rows) == 1 and rows[0].startswith("T2")
    deleted = page.locator("details#deleted")
    assert deleted.locator("summary").inner_text() == "Deleted lately (1)"
    deleted.locator("summary").click()
    deleted.locator("tbody tr", has_text="T1").locator("button", has_text="Bring back").click()
    assert page.locator("[role=status]").inner_text() == "T1, Kanyawegi, 5000 is back."
    rows = page.locator("table.records").first.locator("tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["T1", "T2"] and page.locator("details#deleted").count() == 0


def test_on_a_phone_every_value_and_action_of_a_record_is_on_the_screen(page):
    add(page, "tanks", tank_id="T1", village="Kanyawegi", capacity_litres="5000")
    add(page, "levels", tank_id="T1", level_pct="12.5", taken_at="2025-05-01T08:00")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    record = page.locator("tbody tr").first
    assert record.inner_text().splitlines()[:3] == ["T1", "12.5", "1 May 2025, 08:00"], "a value a line"
    named = record.locator("td").first.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert named == '"Tank id: "', "each value is named on the phone, where the table's heading is not shown"
    for action in (record.locator("a", has_text="Change"), record.locator("a", has_text="Delete")):
        box = action.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{action.inner_text()} is past the screen's edge"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing to scroll sideways"


def test_the_form_speaks_the_glossarys_words_starts_at_now_and_shows_times_as_people_read_them(page):
    add(page, "tanks", tank_id="T1", village="Kanyawegi", capacity_litres="5000")
    page.goto(f"{page.address}/collections/levels")
    assert page.locator("#add-level_pct-hint").inner_text() == "How full the tank is, from 0 to 100"
    assert page.get_attribute("#add-level_pct", "aria-describedby") == "add-level_pct-hint"
    started = page.input_value("#add-taken_at")
    assert len(started) == 16 and abs((datetime.now() - datetime.fromisoformat(started)).total_seconds()) < 120, \
        "a date and time starts at now, to the minute"
    assert [o.strip() for o in page.locator("#add-tank_id option").all_inner_texts()] == [
        "Choose one of the tanks", "T1 (Kanyawegi)"]
    page.select_option("#add-tank_id", "T1")
    page.fill("#add-level_pct", "30")
    page.fill("#add-taken_at", "2025-06-10T07:05")
    page.click("form[action$='/add'] button[type=submit]")
    assert page.locator("tbody tr").first.inner_text().split("\t")[:3] == ["T1", "30", "10 Jun 2025, 07:05"]
    page.click("form[action$='/add'] button[type=submit]")  # nothing chosen, the time left at now
    assert page.locator("#add-tank_id-problem").inner_text() == "Fill this in: every record needs it."
    assert page.locator("#add-level_pct-problem").inner_text() == "Fill this in: every record needs it."


def test_from_another_machine_a_person_signs_in_before_reading_or_changing_anything(tmp_path):
    need_chromium()
    away = this_machines_address()
    if away is None:
        pytest.skip("this machine has no address but loopback, so no request can come from another one")
    root = built_workspace(tmp_path, WATER_TANKS)
    with served(root, "--host", "0.0.0.0", "--token", "s3cret", address=away) as address, browser() as chromium:
        phone = chromium.new_page(viewport={"width": 390, "height": 844})
        phone.set_default_timeout(15_000)
        phone.goto(f"{address}/collections/tanks")
        assert phone.url == f"{address}/login?next=/collections/tanks"
        assert "Kanyawegi" not in phone.content()
        phone.fill("#token", "guess")
        phone.click("button:has-text('Sign in')")
        assert phone.locator("#token-problem").inner_text().startswith("That is not the app's key")
        phone.fill("#token", "s3cret")
        phone.click("button:has-text('Sign in')")
        phone.wait_for_url(f"{address}/collections/tanks")
        phone.fill("#add-tank_id", "T1")
        phone.fill("#add-village", "Kanyawegi")
        phone.fill("#add-capacity_litres", "5000")
        phone.click("form[action$='/add'] button[type=submit]")
        assert phone.locator("tbody tr").first.inner_text().splitlines()[:2] == ["T1", "Kanyawegi"]
        stranger = chromium.new_page()  # another phone, never signed in, with the link made from the token
        stranger.goto(f"{address}/collections/tanks")
        assert stranger.url.startswith(f"{address}/login")
        answer = stranger.request.post(f"{address}/api/collections/levels", data={"tank_id": "T1", "level_pct": 5,
                                                                                  "taken_at": "2025-05-01T08:00"})
        assert answer.status == 401
        stranger.goto(f"{address}/login?key=s3cret&next=/collections/tanks")
        stranger.wait_for_url(f"{address}/collections/tanks")
        assert "Kanyawegi" in stranger.locator("tbody").inner_text()

"""The built app in a real browser, as a nurse or a farmer would use it: forms, errors next to fields, import, delete."""

from __future__ import annotations

import pytest

from tests.browser import browser, need_chromium, served
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
        page.fill(f"#add-{field}", value)
    page.click("form[action$='/add'] button[type=submit]")


def test_a_record_added_through_the_form_shows_in_a_result(page):
    add(page, "tanks", tank_id="T1", village="Kanyawegi", capacity_litres="5000")
    add(page, "levels", tank_id="T1", level_pct="12.5", taken_at="2025-05-01T08:00:00")
    assert page.locator("tbody tr").first.inner_text().split("\t")[:3] == ["T1", "12.5", "2025-05-01T08:00:00"]
    page.click("text=Village water tanks")
    page.click("a[href='/collections/refill_plan']")
    row = page.locator("tbody tr").first.inner_text()
    assert "T1" in row and "Kanyawegi" in row and "4375" in row


def test_a_wrong_value_is_refused_next_to_its_field(page):
    # the browser lets only numbers into a number field; a count of litres must also be whole
    add(page, "tanks", tank_id="T1", village="Kanyawegi", capacity_litres="12.5")
    problem = page.locator("#add-capacity_litres-problem")
    assert problem.inner_text() == "This should be a whole number (like 12), got '12.5'"
    assert page.get_attribute("#add-capacity_litres", "aria-describedby") == "add-capacity_litres-problem"
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


def test_a_record_is_deleted(page):
    add(page, "tanks", tank_id="T1", village="Kanyawegi", capacity_litres="5000")
    add(page, "tanks", tank_id="T2", village="Ober", capacity_litres="800")
    page.locator("tbody tr", has_text="T1").locator("button", has_text="Delete").click()
    rows = page.locator("tbody tr").all_inner_texts()
    assert len(rows) == 1 and rows[0].startswith("T2")


def test_on_a_phone_every_value_and_action_of_a_record_is_on_the_screen(page):
    add(page, "levels", tank_id="T1", level_pct="12.5", taken_at="2025-05-01T08:00:00")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    record = page.locator("tbody tr").first
    assert record.inner_text().splitlines()[:3] == ["T1", "12.5", "2025-05-01T08:00:00"], "a value a line"
    named = record.locator("td").first.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert named == '"Tank id: "', "each value is named on the phone, where the table's heading is not shown"
    for action in (record.locator("a", has_text="Change"), record.locator("button", has_text="Delete")):
        box = action.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{action.inner_text()} is past the screen's edge"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing to scroll sideways"

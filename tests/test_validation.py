"""Every validation problem names the file and the line, and says how to fix it."""

from __future__ import annotations

from tests.conftest import REFILL_ALERT


def test_a_valid_workspace_has_no_problems(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT)
    workspace = ws.load()
    assert workspace.problems == []
    assert [r.id for r in workspace.requirements] == ["REQ-001"]
    assert [e.name for e in workspace.requirements[0].holdout_examples] == ["exactly 20 is not low"]


def test_a_tab_in_the_indentation_is_a_syntax_problem(ws):
    ws.requirement("REQ-001.yaml", "id: REQ-001\ntitle: Refill\n\tstatement: x\n")
    assert ws.messages() == [
        "reqs/REQ-001.yaml:3: a tab is used for indenting here; YAML needs spaces, so replace the tab with spaces"
    ]


def test_an_unclosed_quote_points_at_where_it_opens(ws):
    ws.requirement("REQ-001.yaml", 'id: REQ-001\ntitle: "Refill\nstatement: x\n')
    assert ws.messages() == ["reqs/REQ-001.yaml:2: a quote is opened here and never closed; add the closing quote"]


def test_a_key_written_twice_names_both_lines(ws):
    ws.requirement("REQ-001.yaml", "id: REQ-001\ntitle: One\ntitle: Two\n")
    assert ws.messages() == ["reqs/REQ-001.yaml:3: 'title' appears twice here (also on line 2); keep only one of them"]


def test_an_empty_file_says_what_a_requirement_looks_like(ws):
    ws.requirement("REQ-001.yaml", "")
    assert ws.messages() == [
        "reqs/REQ-001.yaml:1: this file is empty; a requirement starts with `id: REQ-001`, "
        "then `title:`, `statement:` and `examples:`"
    ]


def test_missing_and_empty_fields(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("title: Refill alert\n", "").replace(
        "statement: When a tank's level is below 20 %, the system shall raise a refill alert.", "statement: '  '"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:1: 'title' is missing; add `title:` with a short name for the requirement, like 'Refill alert'",
        "reqs/REQ-001.yaml:2: 'statement' is empty; write what the system shall do, like 'When …, the system shall …'",
    ]


def test_a_requirement_without_examples(ws):
    ws.requirement("REQ-001.yaml", "id: REQ-001\ntitle: Refill\nstatement: The system shall refill.\nexamples: []\n")
    assert ws.messages() == [
        "reqs/REQ-001.yaml:4: 'examples' is empty; write at least one worked example with 'name', 'given' and 'then'"
    ]


def test_an_unknown_key_suggests_the_likely_one(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("priority: must", "priorty: must"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:4: unknown key 'priorty'; did you mean 'priority'? "
        "a requirement can have: id, title, statement, priority, examples"
    ]


def test_a_priority_outside_the_three_words(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("priority: must", "priority: High"))
    assert ws.messages() == ["reqs/REQ-001.yaml:4: 'priority' should be must, should or could, got 'High'"]


def test_priority_ignores_case_and_defaults_to_must(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("priority: must", "priority: Should"))
    ws.requirement("REQ-002.yaml", REFILL_ALERT.replace("REQ-001", "REQ-002").replace("priority: must               # must | should | could\n", ""))
    assert [r.priority for r in ws.load().requirements] == ["should", "must"]


def test_duplicate_ids_name_both_files(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT)
    ws.requirement("REQ-001-copy.yaml", REFILL_ALERT)
    assert ws.messages() == [
        "reqs/REQ-001.yaml:1: REQ-001 is already the id of reqs/REQ-001-copy.yaml:1; each requirement needs its own id, "
        "so give this one a new id such as REQ-002 and rename the file to match"
    ]


def test_a_file_name_that_does_not_match_its_id(ws):
    ws.requirement("REQ-002.yaml", REFILL_ALERT)
    ws.requirement("REQ-0010.yaml", REFILL_ALERT.replace("REQ-001", "REQ-001"))
    assert ws.messages() == [
        "reqs/REQ-0010.yaml:1: the id is REQ-001 but the file is named REQ-0010.yaml; a file's name must start with its id, "
        "so rename the file to REQ-001.yaml or change the id",
        "reqs/REQ-002.yaml:1: REQ-001 is already the id of reqs/REQ-0010.yaml:1; each requirement needs its own id, "
        "so give this one a new id such as REQ-011 and rename the file to match",
        "reqs/REQ-002.yaml:1: the id is REQ-001 but the file is named REQ-002.yaml; a file's name must start with its id, "
        "so rename the file to REQ-001.yaml or change the id",
    ]


def test_a_file_name_may_carry_words_after_the_id(ws):
    ws.requirement("REQ-001-refill-alert.yaml", REFILL_ALERT)
    assert ws.messages() == []


def test_an_id_that_is_not_an_id(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("id: REQ-001", "id: req 1"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:1: 'id' should look like REQ-001 (capital letters, a dash, then a number), got 'req 1'"
    ]


def test_a_wrong_type_in_a_declared_collection(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("level_pct: 64.0", "level_pct: full"))
    assert ws.messages() == ["reqs/REQ-001.yaml:10: example \"one tank is low\": field 'level_pct' should be a number, got 'full'"]


def test_an_unknown_field_in_a_declared_collection(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("{tank_id: T2, level_pct: 64.0,", "{tank_id: T2, level_pct: 64.0, levl: 3,"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:10: example \"one tank is low\": 'levels' has no field 'levl'; did you mean 'level_pct'? "
        "its fields are tank_id, level_pct, taken_at (declared in reqs/project.yaml)"
    ]


def test_a_number_where_text_is_declared_says_to_quote_it(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("tank_id: T2", "tank_id: 2"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:10: example \"one tank is low\": field 'tank_id' should be text, got 2; "
        "put it in quotes to keep it as text: \"2\""
    ]


def test_a_date_where_a_datetime_is_declared(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace('taken_at: "2025-05-01T08:00:00"}\n    then', 'taken_at: "1 May"}\n    then'))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:10: example \"one tank is low\": field 'taken_at' should be a date and time like "
        "2025-05-01T08:00:00, got '1 May' (write it as YYYY-MM-DDTHH:MM:SS)"
    ]


def test_unquoted_dates_are_read_as_iso_text(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace('"2025-05-01T08:00:00"', "2025-05-01T08:00:00"))
    workspace = ws.load()
    assert workspace.problems == []
    assert workspace.requirements[0].examples[0].given["levels"][0]["taken_at"] == "2025-05-01T08:00:00"


def test_a_given_record_must_have_every_declared_field(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace('{tank_id: T2, level_pct: 64.0, taken_at: "2025-05-01T08:00:00"}', "{tank_id: T2}"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:10: example \"one tank is low\": record 2 of 'levels' has no 'level_pct' or 'taken_at'; "
        "records under 'given' need every field of 'levels' (tank_id, level_pct, taken_at); write null where a value is unknown"
    ]


def test_expected_records_may_name_only_some_fields(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace(
        '- {tank_id: T1, level_pct: 12.5, taken_at: "2025-05-01T08:00:00"}\n  - name', "- {tank_id: T1}\n  - name"))
    assert ws.messages() == []


def test_field_types_must_agree_across_examples_of_an_undeclared_collection(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT)
    ws.requirement("REQ-002.yaml", """\
        id: REQ-002
        title: Alerts say how low
        statement: The system shall say how low each alerted tank is.
        examples:
          - name: words instead of numbers
            given: {levels: [{tank_id: T1, level_pct: 5, taken_at: "2025-05-01T08:00:00"}]}
            then:
              refill_alerts:
                - {tank_id: T1, level_pct: very low}
        """)
    assert ws.messages() == [
        "reqs/REQ-002.yaml:9: example \"words instead of numbers\": field 'level_pct' of 'refill_alerts' is text here "
        "('very low') but a number in reqs/REQ-001.yaml:13; write the same kind of value in every example, "
        "or declare 'refill_alerts' in reqs/project.yaml"
    ]


def test_whole_and_decimal_numbers_agree(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("{refill_alerts: []}", "{refill_alerts: [{tank_id: T3, level_pct: 20}]}"))
    assert ws.messages() == []


def test_an_example_that_names_no_output(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("    then: {refill_alerts: []}\n", "    then: {}\n"))
    ws.requirement("REQ-002.yaml", REFILL_ALERT.replace("REQ-001", "REQ-002").replace("    then: {refill_alerts: []}\n", ""))
    no_output = ("names no output: under 'then:' write the collection it should produce and the records you expect, "
                 "for example `then: {refill_alerts: []}` when nothing should come out")
    assert ws.messages() == [
        f'reqs/REQ-001.yaml:17: example "exactly 20 is not low": {no_output}',
        f'reqs/REQ-002.yaml:14: example "exactly 20 is not low": {no_output}',
    ]


def test_a_collection_cannot_be_both_given_and_expected(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("then: {refill_alerts: []}", "then: {levels: []}"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:14: example \"exactly 20 is not low\": 'levels' is under both 'given' and 'then'; "
        "a collection is either data you give or a result you expect"
    ]


def test_names_must_be_usable_in_code(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("refill_alerts:\n", "Refill Alerts:\n"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:12: example \"one tank is low\": 'Refill Alerts' cannot be used as a name; "
        "use lowercase letters, digits and _, like 'refill_alerts'"
    ]


def test_two_examples_with_the_same_name(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("exactly 20 is not low", "One tank is low"))
    assert ws.messages() == [
        'reqs/REQ-001.yaml:14: two examples are named "One tank is low" (the other is on line 6); give each example its own name'
    ]


def test_a_record_that_is_not_a_mapping(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("then: {refill_alerts: []}", "then: {refill_alerts: [T3]}"))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:17: example \"exactly 20 is not low\": record 1 of 'refill_alerts' should be a mapping "
        "of fields, like {tank_id: T1, level_pct: 12.5}"
    ]


def test_project_file_problems(ws):
    ws.write("reqs/project.yaml", """\
        name: Tanks
        collections:
          levels:
            fields:
              tank_id: string
              level_pct: {type: number, unit: percent}
        """)
    assert ws.messages() == [
        "reqs/project.yaml:5: unknown field type 'string'; did you mean 'text'? use one of text, integer, number, boolean, date, datetime",
        "reqs/project.yaml:6: unknown key 'unit'; a field can have: type, description, required",
    ]


def test_every_problem_is_reported_in_one_run(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT.replace("level_pct: 64.0", "level_pct: full").replace("holdout: true", "holdout: maybe"))
    ws.requirement("REQ-002.yaml", "id: REQ-002\ntitle: [\n")
    ws.requirement("REQ-003.yaml", REFILL_ALERT.replace("REQ-001", "REQ-003").replace("title: Refill alert\n", ""))
    assert ws.messages() == [
        "reqs/REQ-001.yaml:10: example \"one tank is low\": field 'level_pct' should be a number, got 'full'",
        "reqs/REQ-001.yaml:15: example \"exactly 20 is not low\": 'holdout' should be true or false, got 'maybe'",
        "reqs/REQ-002.yaml:2: a [ or { opened on this line is never closed; close it with ] or }",
        "reqs/REQ-003.yaml:1: 'title' is missing; add `title:` with a short name for the requirement, like 'Refill alert'",
    ]


def test_a_file_that_is_not_utf8(ws):
    (ws.root / "reqs" / "REQ-001.yaml").write_bytes(b"id: REQ-001\ntitle: caf\xe9\n")
    assert ws.messages() == ["reqs/REQ-001.yaml:2: this line has characters that are not UTF-8 text; save the file as UTF-8"]


def test_files_that_are_not_requirements_are_ignored(ws):
    ws.requirement("REQ-001.yaml", REFILL_ALERT)
    ws.write("reqs/notes.txt", "not yaml: [")
    ws.write("reqs/.REQ-002.yaml.tmp", "half written")
    assert ws.messages() == []


def test_a_comma_inside_braces_gets_a_hint_about_quotes(ws):
    ws.write("reqs/project.yaml", """\
        name: Tanks
        collections:
          levels:
            fields:
              level_pct: {type: number, description: How full, from 0 to 100}
        """)
    assert ws.messages() == [
        "reqs/project.yaml:5: unknown key 'from 0 to 100'; 'from 0 to 100' looks like the end of a text cut at a "
        "comma: inside { } a comma starts a new key, so put the whole text in quotes, like description: \"..., from "
        "0 to 100\"; a field can have: type, description, required"
    ]


def test_a_one_word_end_of_a_text_cut_at_a_comma_gets_the_same_hint(ws):
    ws.write("reqs/project.yaml", """\
        name: Clinic
        collections:
          visits:
            fields:
              systolic: {type: integer, description: Top blood pressure number, mmHg}
        """)
    [message] = ws.messages()
    assert message.startswith("reqs/project.yaml:5: unknown key 'mmHg'; 'mmHg' looks like the end of a text cut at a "
                              "comma") and 'put the whole text in quotes, like description: "..., mmHg"' in message

"""Whatever is in a file, the loader answers with problems, never with an exception."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reqs.checks import check_workspace
from reqs.workspace import parse_requirement
from reqs.yamlfile import YamlDocument
from tests.conftest import REFILL_ALERT

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_text(text: str):
    document, problems = YamlDocument.parse(text, Path("reqs/REQ-001.yaml"), "reqs/REQ-001.yaml")
    if document is None:
        assert problems, "a file that cannot be parsed must say why"
        return problems
    loaded = parse_requirement(document)
    problems = loaded.problems + check_workspace(None, [loaded], "REQ-002")
    for problem in problems:
        assert problem.path == "reqs/REQ-001.yaml"
        assert problem.line >= 0 and problem.message
    assert (loaded.requirement is None) == bool(loaded.problems)
    return problems


@SETTINGS
@given(st.text())
def test_any_text_gives_problems_not_exceptions(text):
    load_text(text)


@SETTINGS
@given(st.data())
def test_random_edits_to_a_valid_file_give_problems_not_exceptions(data):
    text = REFILL_ALERT
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text)))
        edit = data.draw(st.sampled_from(["delete", "insert", "duplicate-line", "swap-lines"]))
        if edit == "delete":
            text = text[:position] + text[position + data.draw(st.integers(1, 12)):]
        elif edit == "insert":
            text = text[:position] + data.draw(st.sampled_from([":", "-", " ", "\t", "'", '"', "[", "{", "}", "#", "\n", "&a", "*a", "!!int", "null", "~"])) + text[position:]
        else:
            lines = text.splitlines(keepends=True)
            i = data.draw(st.integers(0, len(lines) - 1))
            j = data.draw(st.integers(0, len(lines) - 1))
            if edit == "duplicate-line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
    load_text(text)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.dates(), st.datetimes(),
)
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)
keys = st.sampled_from(["id", "title", "statement", "priority", "examples", "name", "given", "then", "holdout", "ordered", "levels"])


@SETTINGS
@given(st.dictionaries(keys, trees, max_size=6))
def test_any_yaml_shaped_data_gives_problems_not_exceptions(data):
    out = io.StringIO()
    YAML().dump(data, out)
    load_text(out.getvalue())

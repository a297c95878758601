"""The parse cache: the same answers as reading every file afresh, line numbers included."""

from __future__ import annotations

import shutil
from pathlib import Path

from reqs.parsecache import CACHE_FILE
from reqs.workspace import load_workspace

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "water-tanks"
    shutil.copytree(EXAMPLES / "water-tanks", root)
    return root


def test_a_second_load_reads_from_the_cache_and_gives_the_same_requirements(tmp_path):
    root = copy(tmp_path)
    first = load_workspace(root)
    assert (root / CACHE_FILE).exists()
    second = load_workspace(root)
    assert [r.model_dump() for r in second.requirements] == [r.model_dump() for r in first.requirements]
    assert all(type(f.document).__name__ == "_CachedDocument" for f in second.files)


def test_an_edited_file_is_read_again(tmp_path):
    root = copy(tmp_path)
    load_workspace(root)
    path = root / "reqs/REQ-002.yaml"
    path.write_text(path.read_text().replace("title: Refill alert", "title: Refill warning"))
    assert load_workspace(root).requirements[1].title == "Refill warning"


def test_problems_in_cached_files_still_name_the_right_line(tmp_path):
    root = copy(tmp_path)
    load_workspace(root)  # every file is cached now
    text = (root / "reqs/REQ-003.yaml").read_text()
    (root / "reqs/REQ-005.yaml").write_text(text)  # a copy: REQ-003 twice, and a name that does not match
    problems = [str(p) for p in load_workspace(root).problems]
    assert any(p.startswith("reqs/REQ-005.yaml:1: REQ-003 is already the id of reqs/REQ-003.yaml:1") for p in problems), problems


def test_a_broken_cache_is_ignored(tmp_path):
    root = copy(tmp_path)
    (root / CACHE_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / CACHE_FILE).write_text("{not json")
    assert len(load_workspace(root).requirements) == 4
    assert len(load_workspace(root).requirements) == 4

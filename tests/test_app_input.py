"""`python -m app add` with garbage CSV or JSON: a message with the file and line, and nothing kept half-way."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import WATER_TANKS, built_workspace

GOOD_CSV = ("tank_id,village,capacity_litres\nT1,Kanyawegi,5000\nT2,\"Got, Agulu\",12000\n"
            "T3,Ober,800\n")
GOOD_JSON = json.dumps([{"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-05-01T08:00:00"},
                        {"tank_id": "T2", "level_pct": 64, "taken_at": "2025-05-01T18:30:00"}], indent=2)
BITS = [",", "\"", "\n", "\r", "\0", "\t", ";", "{", "}", "[", "]", ":", "\\", "\ufeff", "é", "NaN", "1e999", "-",
        "true", "null", "T1", "2025-13-45", "yes", " "]


def mutated(chance: random.Random, text: str) -> str:
    for _ in range(chance.randint(1, 5)):
        at = chance.randint(0, len(text))
        kind = chance.choice(["insert", "delete", "cut", "repeat"])
        if kind == "insert":
            text = text[:at] + chance.choice(BITS) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + chance.randint(1, 8):]
        elif kind == "cut":
            text = text[:at]
        else:
            text = text[:at] + text[at:at + chance.randint(1, 30)] * chance.randint(2, 4) + text[at:]
    return text


def garbage(count: int, seed: int = 12) -> list[tuple[str, str, bytes]]:
    """(collection, file name, content): mutated CSV and JSON, random bytes, and JSON of every wrong shape."""
    chance = random.Random(seed)
    cases = [
        ("tanks", "empty.csv", b""), ("tanks", "header-only.csv", b"tank_id,village,capacity_litres\n"),
        ("tanks", "twice.csv", b"tank_id,tank_id\nT1,T2\n"), ("tanks", "extra.csv", b"tank_id\nT1,too,many\n"),
        ("tanks", "latin1.csv", "tank_id,village\nT1,Bonbé\n".encode("latin-1")),
        ("levels", "nan.json", b'[{"tank_id": "T1", "level_pct": NaN}]'),
        ("levels", "deep.json", b"[" * 100_000), ("levels", "number.json", b"42"),
        ("levels", "strings.json", b'["T1", "T2"]'), ("levels", "wrong-key.json", b'{"readings": []}'),
        ("levels", "nested.json", b'[{"tank_id": ["T1"], "level_pct": {"v": 1}}]'),
        ("levels", "bool.json", b'[{"tank_id": "T1", "level_pct": true}]'),
        ("levels", "huge.json", b'[{"tank_id": "T1", "level_pct": 1e999}]'),
        ("tanks", "float-count.json", b'[{"tank_id": "T1", "capacity_litres": 12.5}]'),
    ]
    while len(cases) < count:
        kind = chance.choice(["csv", "json", "bytes"])
        if kind == "csv":
            cases.append(("tanks", f"m{len(cases)}.csv", mutated(chance, GOOD_CSV).encode("utf-8")))
        elif kind == "json":
            cases.append(("levels", f"m{len(cases)}.json", mutated(chance, GOOD_JSON).encode("utf-8")))
        else:
            suffix = chance.choice([".csv", ".json"])
            data = bytes(chance.randrange(256) for _ in range(chance.randint(0, 200)))
            cases.append((chance.choice(["tanks", "levels"]), f"b{len(cases)}{suffix}", data))
    return cases


DRIVER = textwrap.dedent("""
    import contextlib, io, json, sqlite3, sys, traceback
    from app.__main__ import main
    answers = []
    for collection, path in json.load(sys.stdin):
        def kept():
            try:
                with sqlite3.connect("data.sqlite") as db:  # a table per source collection (app/store.py)
                    tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'source_%'")]
                    return sum(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
            except sqlite3.Error:
                return 0
        before, out, err = kept(), io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["add", collection, path])
        except BaseException:
            code, crash = None, traceback.format_exc()
        else:
            crash = None
        answers.append({"path": path, "code": code, "crash": crash, "said": err.getvalue(),
                        "added": kept() - before})
    print(json.dumps(answers))
    """)


@pytest.fixture(scope="module")
def app_root(tmp_path_factory) -> Path:
    return built_workspace(tmp_path_factory.mktemp("app"), WATER_TANKS)


def add_all(root: Path, cases: list[tuple[str, str, bytes]]) -> list[dict]:
    folder = root / "inputs"
    folder.mkdir(exist_ok=True)
    job = []
    for collection, name, data in cases:
        (folder / name).write_bytes(data)
        job.append((collection, str(folder / name)))
    done = subprocess.run([sys.executable, "-c", DRIVER], cwd=root, input=json.dumps(job), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_good_files_are_kept_with_their_types(app_root):
    answers = add_all(app_root, [("tanks", "good.csv", GOOD_CSV.encode()), ("levels", "good.json", GOOD_JSON.encode())])
    assert [(a["code"], a["added"]) for a in answers] == [(0, 3), (0, 2)]


def test_garbage_gets_a_message_with_file_and_line_and_nothing_is_kept(app_root):
    cases = garbage(400)
    answers = add_all(app_root, cases)
    crashes = [a for a in answers if a["crash"]]
    assert crashes == [], crashes[0]["crash"]
    for answer in answers:
        if answer["code"] == 0:
            continue  # a mutation that is still a good file
        assert answer["code"] == 2, answer
        assert answer["added"] == 0, answer
        first = answer["said"].splitlines()[0]
        assert first.startswith(answer["path"] + ":"), first
        assert "Nothing was kept" in answer["said"]
    refused = sum(a["code"] == 2 for a in answers)
    assert refused > len(cases) // 2  # most garbage is refused, not quietly kept


def test_a_wrong_value_names_the_line_of_its_record(app_root):
    text = GOOD_JSON.replace('"level_pct": 64', '"level_pct": "full"')
    [answer] = add_all(app_root, [("levels", "wrong.json", text.encode())])
    assert answer["said"].splitlines()[0] == (f"{app_root}/inputs/wrong.json:7: field 'level_pct' should be a number "
                                              "(like 12.5), got 'full'")

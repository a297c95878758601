"""Which attacks on the sandbox each wall stops: the attack tests, with every wall, then with the audit hook alone.

    .venv/bin/python bench/attacks.py

Prints a markdown table: for each attack, as plain Python and with the audit
hook bypassed, whether it was stopped (held), got through (broke), or could
not be tried because this machine lacks the wall (skipped).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTCOME = re.compile(r"^(PASSED|FAILED|SKIPPED|ERROR)\s+(?:\[\d+\]\s+)?tests/test_sandbox_attacks\.py(?::\d+)?::(\w+)(?:\[(\w+)\])?")
WORDS = {"PASSED": "held", "FAILED": "broke", "ERROR": "broke", "SKIPPED": "skipped"}


def outcomes(walls: str) -> dict[tuple[str, str], str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_sandbox_attacks.py", "-q", "-rA",
                           "-p", "no:cacheprovider", f"--walls={walls}"], cwd=REPO, capture_output=True, text=True)
    found = {}
    for line in done.stdout.splitlines():
        if match := OUTCOME.match(line):
            found[match.group(2), match.group(3) or "-"] = WORDS[match.group(1)]
    return found


def main() -> int:
    columns = {"every wall": outcomes("best"), "audit hook only": outcomes("none")}
    rows = sorted({key for found in columns.values() for key in found})
    print("| test | form | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    totals = defaultdict(int)
    for test, form in rows:
        cells = [found.get((test, form), "?") for found in columns.values()]
        for name, cell in zip(columns, cells):
            totals[name, cell] += 1
        print(f"| {test.removeprefix('test_').replace('_', ' ')} | {form} | " + " | ".join(cells) + " |")
    for name in columns:
        print(f"\n{name}: " + ", ".join(f"{totals[name, word]} {word}" for word in ("held", "broke", "skipped")))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the repairs and the answers asked again bought, read from the progress that builds printed.

    .venv/bin/python bench/repairs.py bench/results/logs/*.err

Each file is the stderr of a `bench/build.py` run (or of `shall build`). For every build in it:
- the repairs: after the first test of the whole app, each repair is followed by another test; a repair
  paid off when a later test passed more visible examples than the first;
- the answers asked again ("none of its 6 different answers passes ...; asking for as many again"):
  they paid off when, after them, at least one answer passed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

STARTS = ("Committed your requirement", "Working out the design", "Carrying on with the build")
ENDS = ("Committed the build", "Nothing changed, so nothing was committed")
PASSING = re.compile(r"(\d+) of (\d+) examples pass$")
NONE_PASS = re.compile(r"(make_\w+): none of its \d+ different answers passes")
CHOSEN = re.compile(r"(make_\w+): (\d+) of \d+ different answers pass")


def builds(lines: list[str]) -> list[list[tuple[int, int]]]:
    """Each build's tests of the whole app, in order: (examples passing, examples)."""
    found, tests = [], None
    for line in (line.strip() for line in lines):
        if line.startswith(STARTS) and tests is None:
            tests = []
        elif (match := PASSING.search(line)) and tests is not None:
            tests.append((int(match.group(1)), int(match.group(2))))
        elif line.startswith(ENDS):
            if tests:
                found.append(tests)
            tests = None
    return found


def asked_again(lines: list[str]) -> tuple[int, int]:
    """(components asked again, of which one answer or more then passed)."""
    waiting, asked, rescued = set(), 0, 0
    for line in lines:
        if match := NONE_PASS.search(line):
            waiting.add(match.group(1))
        elif (match := CHOSEN.search(line)) and match.group(1) in waiting:
            waiting.discard(match.group(1))
            asked += 1
            rescued += int(match.group(2)) > 0
    return asked, rescued


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", type=Path)
    args = parser.parse_args(argv)
    total = repaired = attempts = better = fixed = asked = rescued = 0
    for path in args.logs:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for tests in builds(lines):
            total += 1
            if len(tests) > 1:
                repaired += 1
                attempts += len(tests) - 1
                better += max(p for p, _ in tests[1:]) > tests[0][0]
                fixed += any(p == n for p, n in tests[1:])
        a, r = asked_again(lines)
        asked, rescued = asked + a, rescued + r
    print(f"{len(args.logs)} logs, {total} builds")
    print(f"repairs: {attempts} in {repaired} builds; builds where they made more examples pass: {better}, "
          f"where every example then passed: {fixed}")
    print(f"answers asked again: for {asked} components; one or more then passed for {rescued}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

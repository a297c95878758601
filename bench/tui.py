"""How quickly the TUI opens and moves through a workspace with many requirements (headless).

    .venv/bin/python bench/tui.py [--size 1000] [--keys 200]

Reports the time from starting the app to the first screen drawn with the
list filled, and the keystroke-to-render time of moving down the list
(median and 95th percentile), measured with Textual's Pilot, which returns
once the key has been handled and the screen refreshed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scale import make_workspace  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402
from tui.app import RequirementsScreen, ShallApp  # noqa: E402


async def measure(root: Path, keys: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    app = ShallApp(root)
    async with app.run_test(size=(100, 40)) as pilot:
        while not isinstance(app.screen, RequirementsScreen):
            await pilot.pause(0.01)
        await pilot.pause()  # the first frame
        first = time.perf_counter() - started
        times = []
        for _ in range(keys):
            before = time.perf_counter()
            await pilot.press("down")
            times.append(time.perf_counter() - before)
    return first, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shall-tui-") as scratch:
        root = Path(scratch) / "many"
        make_workspace(root, args.size)
        load_workspace(root)  # as after any earlier command: the parse cache is warm
        first, times = asyncio.run(measure(root, args.keys))
    times.sort()
    print(f"{args.size} requirements: first screen drawn in {first:.2f} s; moving down the list: "
          f"median {1000 * statistics.median(times):.1f} ms, 95th percentile {1000 * times[int(0.95 * len(times))]:.1f} ms "
          f"per key over {len(times)} keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())

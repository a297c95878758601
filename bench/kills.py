"""Kill `shall build` with SIGKILL at random moments and check that the workspace survives every kill.

    .venv/bin/python bench/kills.py [--kills 50] [--model local/qwen2.5-coder-0.5b]
                                    [--workspaces water-tanks ...] [--seed 1] [--json-out kills.json]
                                    [--answers DIR] [--late]

The model's answers are real: for each example workspace, one build runs
with the real model and every answer it gives is recorded (kept in
--answers DIR, so a second campaign reuses them). Every later build of that
workspace replays those answers, 0.2 s each, so that a campaign of fifty
kills takes minutes rather than hours and kills fall in every step, not
mostly in the model's writing. An answer asked for that was never recorded
is counted, and answered with a component that returns nothing.

First, one replayed build runs unkilled, as the reference. Then,
round after round on a fresh copy, builds are started and killed (the whole
process group, SIGKILL) after a random number of progress lines plus a random
delay, so kills fall while generating, choosing, rendering, testing, writing
the lock and committing. After every kill:
- `shall validate`, `shall status` and `shall check` answer (exit 0 or 1, no
  traceback);
- `git fsck` finds nothing wrong, and the requirement files are byte for byte
  what they were;
- every generated file is whole: the app's Python parses, specs/design.yaml
  and shall.lock load.
Temporary files a kill cut short are counted (the next build removes them).
The round's last build runs to the end, and its results are compared with
the reference: the same examples and held-out examples passing.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SHALL = [sys.executable, "-m", "tui"]
REPLAY_SECONDS = 0.2
NOT_RECORDED = "```python\ndef run(**inputs):\n    return []\n```"
PHASES = [("Committed the build", "committing"), ("held-out", "held-out check, lock, commit"),
          ("Repairing", "repairing"), ("examples pass", "testing"), ("Running", "testing"),
          ("Updated", "rendering"), ("Wrote", "generating"), ("Writing", "generating"), ("Revising", "revising"),
          ("design", "designing"), ("components", "designing"), ("Reading", "loading"), ("Committed your", "committing edits")]


def fresh_copy(workspace: Path, where: Path) -> Path:
    root = where / workspace.name
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(workspace, root)
    from reqs.initialize import GITIGNORE_LINES
    (root / ".gitignore").write_text("\n".join(GITIGNORE_LINES) + "\n")
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "start"]):
        subprocess.run(command, cwd=root, check=True)
    return root


def start_build(root: Path, model: str, answers: Path, record: bool = False) -> subprocess.Popen:
    """`shall build` on `root`, its model answering from (or, recording, into) the file `answers`."""
    driver = [sys.executable, __file__, "--as-shall", str(answers), "record" if record else "replay"]
    return subprocess.Popen([*driver, "-C", str(root), "build", "--yes", "--json", "--model", model], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def as_shall(answers: Path, mode: str, argv: list[str]) -> int:
    """Run the shall command line with the model's answers recorded into, or replayed from, `answers`."""
    import hashlib

    from agents.models import select
    from agents.models.seam import ChatModel, RawAnswer, Usage

    def key(messages, schema, options) -> str:
        seen = [messages, schema, options.max_tokens, options.temperature, options.seed]
        return hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()

    class Recording(ChatModel):
        def __init__(self, real):
            self.real, self.name, self.serial = real, real.name, real.serial

        def _generate(self, messages, schema, options):
            answer = self.real._generate(messages, schema, options)
            with answers.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"key": key(messages, schema, options), "text": answer.text,
                                         "usage": [answer.usage.prompt_tokens, answer.usage.completion_tokens]}) + "\n")
            return answer

    class Replaying(ChatModel):
        def __init__(self, name):
            self.name = name
            self.known = {}
            for line in answers.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                self.known[entry["key"]] = RawAnswer(entry["text"], Usage(*entry["usage"]))

        def _generate(self, messages, schema, options):
            time.sleep(REPLAY_SECONDS)
            found = self.known.get(key(messages, schema, options))
            if found is None:
                print("bench/kills.py: an answer was asked for that was never recorded", file=sys.stderr)
                return RawAnswer(NOT_RECORDED, Usage(0, 0))
            return found

    real_open = select.open_model
    select.open_model = (lambda name, progress=None: Recording(real_open(name, progress))) if mode == "record" \
        else (lambda name, progress=None: Replaying(name))
    from tui.cli import main as shall
    return shall(argv)


def phase_of(line: str) -> str:
    return next((phase for words, phase in PHASES if words in line), "starting")


def results_of(report: dict) -> dict:
    return {r["id"]: (r["examples_passed"], r["examples"], r["holdouts_passed"], r["holdouts"])
            for r in report["requirements"]}


def whole_build(root: Path, model: str, answers: Path, record: bool = False) -> tuple[dict, list[str]]:
    build = start_build(root, model, answers, record)
    output, log = build.communicate()
    if build.returncode not in (0, 1):
        raise SystemExit(f"the build of {root.name} failed ({build.returncode}):\n{log[-3000:]}")
    return json.loads(output), log.splitlines()


def kill_once(root: Path, model: str, answers: Path, lines_before: int, delay: float) -> dict:
    """Start a build, kill it after `lines_before` progress lines and `delay` seconds; what happened."""
    build = start_build(root, model, answers)
    seen = []
    while len(seen) < lines_before:
        line = build.stderr.readline()
        if not line:
            break
        seen.append(line.rstrip())
    time.sleep(delay)
    finished = build.poll() is not None
    if not finished:
        os.killpg(build.pid, signal.SIGKILL)
    output, rest = build.communicate()
    seen += rest.splitlines()
    last = seen[-1] if seen else ""
    return {"killed": not finished, "phase": phase_of(last), "last_line": last[-160:],
            "resumed": any("Carrying on with the build" in line for line in seen),
            "not_recorded": sum("never recorded" in line for line in seen),
            "report": json.loads(output) if finished and build.returncode in (0, 1) and output.strip() else None,
            "exit": build.returncode}


def problems_after(root: Path, original_reqs: dict[str, bytes]) -> tuple[list[str], int]:
    """What is wrong with the workspace now, and how many temporary files a kill left."""
    found = []
    for command, allowed in ((["validate"], {0}), (["status"], {0, 1}), (["check"], {0, 1})):
        done = subprocess.run([*SHALL, "-C", str(root), *command], cwd=REPO, capture_output=True, text=True, timeout=120)
        if done.returncode not in allowed or "Traceback" in done.stderr + done.stdout or "internal error" in done.stderr:
            found.append(f"shall {command[0]} exited {done.returncode}: {(done.stderr or done.stdout).strip()[-300:]}")
    fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=root, capture_output=True, text=True)
    if fsck.returncode != 0:
        found.append(f"git fsck: {fsck.stderr.strip()[-300:]}")
    now = {path.name: path.read_bytes() for path in (root / "reqs").iterdir() if path.is_file()}
    if now != original_reqs:
        found.append(f"the requirement files changed: {sorted(set(now.items()) ^ set(original_reqs.items()))[:2]}")
    for path in (root / "app").rglob("*.py") if (root / "app").exists() else []:
        try:
            ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError) as error:
            found.append(f"{path.relative_to(root)} is not whole: {error}")
    for relative, load in (("specs/design.yaml", _yaml), ("shall.lock", json.loads),
                           ("tests/test_requirements.py", ast.parse)):
        if (root / relative).exists():
            try:
                load((root / relative).read_text(encoding="utf-8"))
            except Exception as error:  # noqa: BLE001  anything at all is a broken file here
                found.append(f"{relative} is not whole: {error}")
    strays = [p for folder in ("app", "specs", "tests", "reqs") for p in (root / folder).rglob(".*.tmp")]
    strays += list(root.glob(".shall.lock.*.tmp"))
    return found, len(strays)


def _yaml(text: str):
    from ruamel.yaml import YAML
    return YAML(typ="safe").load(text)


def main() -> int:
    if sys.argv[1:2] == ["--as-shall"]:
        sys.path.insert(0, str(REPO))
        return as_shall(Path(sys.argv[2]), sys.argv[3], sys.argv[4:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--model", default="local/qwen2.5-coder-0.5b")
    parser.add_argument("--workspaces", nargs="*", default=sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--late", action="store_true",
                        help="kill only in the last seconds: the held-out check, writing the lock, committing")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--answers", type=Path, default=REPO / ".scratch" / "kill-answers",
                        help="where the recorded answers are kept (default .scratch/kill-answers)")
    args = parser.parse_args()
    args.answers.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(REPO))
    chance = random.Random(args.seed)
    log: list[dict] = []
    rounds: list[dict] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="shall-kills-") as scratch:
        references, answers = {}, {}
        for name in args.workspaces:
            answers[name] = args.answers / f"{name}-{args.model.replace('/', '-')}.jsonl"
            if not answers[name].exists():
                print(f"{name}: recording the model's answers in a real build …", file=sys.stderr)
                partial = answers[name].with_suffix(".partial")
                partial.unlink(missing_ok=True)
                whole_build(fresh_copy(EXAMPLES / name, Path(scratch) / "recording"), args.model, partial, record=True)
                partial.rename(answers[name])
            report, lines = whole_build(fresh_copy(EXAMPLES / name, Path(scratch) / "reference"), args.model,
                                        answers[name])
            references[name] = (results_of(report), len(lines))
            print(f"{name}: reference build, {len(lines)} progress lines", file=sys.stderr)
        kills = 0
        while kills < args.kills:
            for name in args.workspaces:
                if kills >= args.kills:
                    break
                root = fresh_copy(EXAMPLES / name, Path(scratch) / "killed")
                original = {path.name: path.read_bytes() for path in (root / "reqs").iterdir() if path.is_file()}
                expected, lines = references[name]
                killed_here = 0
                while True:
                    when = (lines - 1, chance.uniform(0, 1)) if args.late else (chance.randint(1, lines),
                                                                                 chance.uniform(0, 1.5))
                    happened = kill_once(root, args.model, answers[name], *when)
                    wrong, strays = problems_after(root, original)
                    entry = {"workspace": name, **{k: v for k, v in happened.items() if k != "report"},
                             "problems": wrong, "temporary_files": strays}
                    log.append(entry)
                    if happened["killed"]:
                        kills += 1
                        killed_here += 1
                        print(f"kill {kills}: {name} while {happened['phase']}; "
                              f"{'BROKEN: ' + '; '.join(wrong) if wrong else 'workspace fine'}"
                              f"{f', {strays} temporary files' if strays else ''}", file=sys.stderr)
                        continue
                    if happened["report"] is None:  # it ended by itself, with an error: the round shows it
                        rounds.append({"workspace": name, "kills": killed_here, "same_results": False,
                                       "error": happened["last_line"], "problems": wrong})
                        break
                    final, _ = whole_build(root, args.model, answers[name])  # nothing left to do: it must say so and change nothing
                    wrong += [] if not problems_after(root, original)[1] else ["temporary files left after a whole build"]
                    got = results_of(happened["report"])
                    rounds.append({"workspace": name, "kills": killed_here, "same_results": got == expected,
                                   "got": got, "expected": expected, "problems": wrong,
                                   "again_regenerated": final["components_regenerated"]})
                    print(f"{name}: finished after {killed_here} kills; "
                          f"{'same results as unkilled' if got == expected else f'results {got} vs {expected}'}",
                          file=sys.stderr)
                    break
    broken = [entry for entry in log if entry["problems"]] + [r for r in rounds if r["problems"]]
    summary = {"kills": kills, "broken": len(broken), "rounds": len(rounds),
               "rounds_same_results": sum(r["same_results"] for r in rounds),
               "phases": {phase: sum(e["phase"] == phase for e in log if e["killed"])
                          for phase in sorted({e["phase"] for e in log})},
               "temporary_files_after_kills": sum(e["temporary_files"] for e in log),
               "answers_not_recorded": sum(e.get("not_recorded", 0) for e in log),
               "seconds": round(time.monotonic() - started)}
    print(json.dumps(summary, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps({"summary": summary, "kills": log, "rounds": rounds}, indent=2))
    return 0 if not broken else 1


if __name__ == "__main__":
    sys.exit(main())

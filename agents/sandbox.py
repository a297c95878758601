"""Run generated code where it cannot hang the build, damage the workspace or reach the network.

What each run gets:
- a throwaway copy of the app in a temporary folder;
- a subprocess with a minimal environment, a wall-clock timeout (the whole
  process group is killed), and limits on CPU time, memory, file size and
  processes;
- where the OS allows it (root, util-linux `unshare`): no network (an empty
  network namespace), its own PID namespace, so a fork bomb dies with it, a
  private view of the files that hides home, the model cache and the
  workspace and caps the disk it may fill, and the unprivileged user
  `nobody` (agents/isolation.py chooses; agents/jail.py builds the view);
- always: an audit hook in the harness that refuses writes outside the copy,
  new processes and sockets, and a timer per example.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents import isolation

HARNESS = Path(__file__).with_name("harness.py")
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None) if sys.platform == "linux" else None  # loaded here: nothing is loaded after a fork


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60.0
    seconds_per_example: float = 10.0
    cpu_seconds: int = 60
    memory_bytes: int = 1 << 30
    file_bytes: int = 16 << 20
    processes: int = 64
    disk_bytes: int = 64 << 20  # the run's own folder, where the OS can cap it


@dataclass(frozen=True)
class Case:
    key: str  # e.g. "REQ-001/one tank is low"
    given: dict[str, list[dict]]
    then: dict[str, list[dict]]
    ordered: bool = False
    keep: tuple[str, ...] | None = None  # the outputs to bring back; None for all of them


@dataclass
class CaseResult:
    key: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # component -> last line of its error
    by_collection: dict[str, list[str]] = field(default_factory=dict)  # expected collection -> what differs
    actual: dict[str, Any] | None = None
    seconds: float = 0.0


@dataclass
class SandboxRun:
    results: list[CaseResult]
    isolation: str  # what protection this run had, in words
    log: str = ""


def run_cases(app_dir: Path, cases: list[Case], limits: Limits = Limits()) -> SandboxRun:
    """Run every case against a copy of `app_dir` (the folder holding the app package)."""
    job = {"examples": [{"key": c.key, "given": c.given, "then": c.then, "ordered": c.ordered, "keep": c.keep}
                        for c in cases]}
    lines, log, isolation = _run_job(app_dir, job, {}, limits)
    finished = {r["key"]: r for r in lines if r.get("key")}
    ran_out = _ran_out(log)
    return SandboxRun([
        CaseResult(**finished[c.key]) if c.key in finished
        else CaseResult(c.key, False, [ran_out], by_collection={name: [ran_out] for name in c.then})
        for c in cases
    ], isolation, log)


@dataclass(frozen=True)
class Trial:
    """What one candidate component returned for one input, or how it failed."""

    output: list[dict] | None
    error: str | None
    seconds: float = 0.0


def run_trials(app_dir: Path, modules: dict[str, str], inputs: dict[str, dict[str, list[dict]]],
               limits: Limits = Limits()) -> dict[tuple[str, str], Trial]:
    """Run each candidate module (name -> code) on each input (key -> collections), one call at a time.

    The modules are written into the copy's app/components/ only; the workspace never sees them.
    """
    job = {"modules": list(modules), "trials": [{"key": key, "inputs": given} for key, given in inputs.items()]}
    files = {f"app/components/{name}.py": code for name, code in modules.items()}
    lines, log, _ = _run_job(app_dir, job, files, limits)
    finished = {(r["module"], r["key"]): Trial(r["output"], r["error"], r["seconds"]) for r in lines if r.get("module")}
    ran_out = Trial(None, _ran_out(log))
    return {(name, key): finished.get((name, key), ran_out) for name in modules for key in inputs}


def _ran_out(log: str) -> str:
    return "the sandbox stopped it: it ran past the time limit, or ended the run early" + (
        f" (last output: {log.strip().splitlines()[-1]})" if log.strip() else "")


def _run_job(app_dir: Path, job: dict, files: dict[str, str], limits: Limits) -> tuple[list[dict], str, str]:
    """Run the harness on a job in a throwaway copy of the app; its result lines, its log, and the isolation used."""
    with tempfile.TemporaryDirectory(prefix="shall-sandbox-") as scratch:
        root = Path(scratch) / "work"
        shutil.copytree(app_dir / "app", root / "app", ignore=shutil.ignore_patterns("__pycache__", "*.sqlite"))
        for relative, text in files.items():
            (root / relative).write_text(text, encoding="utf-8")
        shutil.copy(HARNESS, root / "harness.py")
        walls = isolation.best()
        walls.prepare(Path(scratch))
        python = [sys.executable, "-I", "-B", str(root / "harness.py")]
        command = walls.command(python, root, limits.disk_bytes)
        job = {**job, "root": str(root), "path": isolation.package_folders(), "secrets": isolation.secret_folders(),
               "readable": isolation.shown_folders(),
               "seconds_per_example": limits.seconds_per_example}
        # The job, the log and the results go through files, not pipes: a pipe fills up and would stall a long
        # run, and a process that slipped away would hold it open and keep the build waiting for its end.
        with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as log, \
                tempfile.TemporaryFile("w+", encoding="utf-8") as results:
            job["result_fd"] = results.fileno()
            given.write(json.dumps(job, default=str).encode())
            given.seek(0)
            process = subprocess.Popen(
                command, cwd=root, env=_environment(root), stdin=given, stdout=log, stderr=subprocess.STDOUT,
                pass_fds=(results.fileno(),), start_new_session=True, preexec_fn=functools.partial(_limit, limits),
            )
            try:
                process.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                pass
            finally:
                _kill(process)
                if "own process namespace" not in walls.layers:
                    _kill_holders(log)
                process.wait()
            log.seek(0)
            text = log.read().decode("utf-8", "replace")[-20_000:]
            results.seek(0)
            lines = results.read().splitlines()
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short when the sandbox was killed
            continue
    return parsed, text, walls.describe()


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_holders(log) -> None:
    """Kill what still holds the run's log open after its process group is gone: processes that detached.

    Only needed without a process namespace, whose end takes everything in it along. One may fork while
    it is being looked for, so look again until a look finds none.
    """
    mine = os.fstat(log.fileno())
    for _ in range(100):
        holders = [pid for pid in _processes() if _holds(pid, mine)]
        if not holders:
            return
        for pid in holders:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _processes() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit() and int(entry.name) != os.getpid()]


def _holds(pid: int, file: os.stat_result) -> bool:
    try:
        return any(os.path.samestat(os.stat(fd), file) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # gone already, or not ours to look at
        return False


def _environment(root: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(root), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0", "TMPDIR": str(root)}


def _limit(limits: Limits) -> None:
    """Runs in the child before it starts: the limits then hold for everything it starts."""
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    if _LIBC is not None:  # if shall itself is killed, the run dies with it rather than running on alone
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

"""Run generated code where it cannot hang the build, damage the workspace or reach the network.

What each run gets:
- a throwaway copy of the app in a temporary folder;
- a subprocess with a minimal environment, a wall-clock timeout (the whole
  process group is killed), and limits on CPU time, memory, file size and
  processes;
- where the OS allows it (root, util-linux `unshare`): no network (an empty
  network namespace), its own PID namespace, so a fork bomb dies with it, and
  the unprivileged user `nobody`, who cannot write to the workspace;
- always: an audit hook in the harness that refuses writes outside the copy,
  new processes and sockets, and a timer per example.
"""

from __future__ import annotations

import functools
import json
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HARNESS = Path(__file__).with_name("harness.py")


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60.0
    seconds_per_example: float = 10.0
    cpu_seconds: int = 60
    memory_bytes: int = 1 << 30
    file_bytes: int = 16 << 20
    processes: int = 64


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
        command, isolation, drop_to = _command(root)
        if drop_to is not None:
            _give_to(Path(scratch), drop_to)
        job = {**job, "root": str(root), "seconds_per_example": limits.seconds_per_example}
        # Results go to a file outside the copy, not a pipe: a pipe fills up and would stall a long run.
        with tempfile.TemporaryFile("w+", encoding="utf-8") as results:
            job["result_fd"] = results.fileno()
            process = subprocess.Popen(
                command, cwd=root, env=_environment(root), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, pass_fds=(results.fileno(),), start_new_session=True,
                preexec_fn=functools.partial(_limit, limits),
            )
            log = _talk(process, json.dumps(job, default=str), limits.wall_seconds)
            results.seek(0)
            lines = results.read().splitlines()
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short when the sandbox was killed
            continue
    return parsed, log, isolation


def _talk(process: subprocess.Popen, job: str, wall_seconds: float) -> str:
    try:
        output, _ = process.communicate(job.encode(), timeout=wall_seconds)
    except subprocess.TimeoutExpired:
        _kill(process)
        output, _ = process.communicate()
    finally:
        _kill(process)
    return output.decode("utf-8", "replace")[-20_000:]


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _command(root: Path) -> tuple[list[str], str, int | None]:
    python = [sys.executable, "-I", "-B", str(root / "harness.py")]
    if prefix := _isolating_prefix():
        return ([*prefix, *python], "no network, own process namespace, unprivileged user, resource limits, audit hook",
                pwd.getpwnam("nobody").pw_uid)
    return python, "resource limits and an audit hook (no network namespace: not root, or unshare is missing)", None


@functools.cache
def _isolating_prefix() -> tuple[str, ...] | None:
    """unshare + setpriv down to nobody, if this machine allows it and Python still starts that way."""
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if os.geteuid() != 0 or not unshare or not setpriv:
        return None
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        return None
    prefix = (unshare, "--net", "--pid", "--fork", "--kill-child", "--",
              setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups")
    try:
        probe = subprocess.run([*prefix, sys.executable, "-I", "-c", "import json, signal"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return prefix if probe.returncode == 0 else None


def _give_to(folder: Path, uid: int) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, -1, follow_symlinks=False)
    os.chmod(folder, 0o700)


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

"""Every attack on the sandbox fails twice: as plain Python, and with the audit hook bypassed through libc.

The bypassed form shows that the OS's walls hold by themselves. Where this
machine cannot put a wall up (not root, no util-linux), the test says which
one is missing and skips, as the build report does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from agents import isolation
from agents.sandbox import Limits, Trial, run_trials
from tests.helpers import WATER_TANKS, built_workspace
from tests.sandbox_attacks import (
    CONNECT,
    DAMAGE_WORKSPACE,
    FILL_DISK,
    FILL_MEMORY,
    FORK_BOMB,
    LEFT_BEHIND,
    READ_SECRETS,
)

LIMITS = Limits(wall_seconds=30, seconds_per_example=8, cpu_seconds=20)
FORMS = ["plain", "bypass"]
WALLS = {"skip_missing": True}


@pytest.fixture(autouse=True)
def walls(request, monkeypatch):
    """With --walls none (bench/attacks.py), take every OS wall away and expect the attacks they stop to succeed."""
    if request.config.getoption("walls") == "none":
        monkeypatch.setattr(isolation, "best", lambda: isolation.Isolation("none", ()))
        monkeypatch.setitem(WALLS, "skip_missing", False)


def needs(form: str, *layers: str) -> None:
    """Skip a bypassed attack where the OS wall that must stop it is missing here, saying which."""
    had = isolation.best()
    missing = [layer for layer in layers if layer not in had.layers]
    if form == "bypass" and missing and WALLS["skip_missing"]:
        pytest.skip(f"this machine cannot give generated code: {', '.join(missing)} ({had.describe()})")


def attack(tmp_path: Path, code: str, target: dict) -> Trial:
    root = tmp_path / "water-tanks"
    if not root.exists():
        built_workspace(tmp_path, WATER_TANKS)
    return run_trials(root, {"attack": code}, {"once": {"target": [target]}}, LIMITS)[("attack", "once")]


def left_behind(name: str) -> list[int]:
    """The processes still running under `name` (a zombie has ended), killed then so that a failing test cleans up."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            alive = entry.name.isdigit() and (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
            if alive and (entry / "comm").read_text().strip() == name:
                found.append(int(entry.name))
        except OSError:
            continue
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return found


@pytest.mark.parametrize("form", FORMS)
def test_a_connection_to_a_server_on_this_machine_never_arrives(tmp_path, form):
    needs(form, "no network")
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    arrived = []

    def accept() -> None:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not stop.is_set():
            try:
                arrived.append(server.accept())
            except TimeoutError:
                continue

    stop = threading.Event()
    listener = threading.Thread(target=accept)
    listener.start()
    try:
        trial = attack(tmp_path, CONNECT[form], {"host": "127.0.0.1", "port": server.getsockname()[1]})
    finally:
        stop.set()
        listener.join()
        server.close()
    assert arrived == []
    assert trial.output is None or trial.output[0]["connected"] is False
    if form == "plain":
        assert "the sandbox does not allow socket.connect" in str(trial.output or trial.error)


@pytest.mark.parametrize("form", FORMS)
def test_a_fork_bomb_ends_with_the_run_and_leaves_nothing_behind(tmp_path, form):
    needs(form, "own process namespace", "unprivileged user")
    name = f"bomb{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    trial = attack(tmp_path, FORK_BOMB[form], {"name": name})
    assert time.monotonic() - started < LIMITS.wall_seconds + 5
    time.sleep(0.5)
    assert left_behind(name) == []
    if form == "plain":
        assert trial.error == "PermissionError: the sandbox does not allow os.fork"
    else:
        assert trial.output is None or trial.output[0]["made"] < LIMITS.processes


@pytest.mark.parametrize("form", FORMS)
def test_no_process_outlives_the_run(tmp_path, form):
    needs(form, "own process namespace")
    name = f"left{uuid.uuid4().hex[:8]}"
    trial = attack(tmp_path, LEFT_BEHIND[form], {"name": name})
    time.sleep(0.5)
    assert left_behind(name) == []
    if form == "plain":
        assert trial.error == "PermissionError: the sandbox does not allow subprocess.Popen"


@pytest.mark.parametrize("form", FORMS)
def test_the_workspace_can_be_neither_written_nor_deleted(tmp_path, form):
    needs(form, "unprivileged user")
    workspace = built_workspace(tmp_path, WATER_TANKS)
    before = {path: path.read_bytes() for path in (workspace / "reqs").iterdir()}
    trial = attack(tmp_path, DAMAGE_WORKSPACE[form], {"workspace": str(workspace)})
    assert trial.output == [{"done": ""}]
    assert {path: path.read_bytes() for path in (workspace / "reqs").iterdir()} == before
    assert (workspace / "reqs" / "REQ-002.yaml").exists()


@pytest.fixture
def secrets(monkeypatch):
    """A home with an ssh key and a config, and a model cache, all readable by anyone, outside /tmp."""
    home = Path(tempfile.mkdtemp(prefix=".attack-home-", dir=Path(__file__).resolve().parents[1]))
    home.chmod(0o755)
    key = f"secret-{uuid.uuid4().hex}"
    files = {"ssh_key": home / ".ssh" / "id_ed25519", "config": home / ".config" / "shall" / "token",
             "model": home / ".cache" / "shall" / "models" / "model.gguf"}
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        path.chmod(0o644)
    for folder in home.rglob("*"):
        if folder.is_dir():
            folder.chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SHALL_CACHE_DIR", str(files["model"].parent))
    monkeypatch.setenv("OPENAI_API_KEY", key)
    yield key, {name: str(path) for name, path in files.items()}
    for path in sorted(home.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    home.rmdir()


@pytest.mark.parametrize("form", FORMS)
def test_secrets_stay_out_of_reach(tmp_path, form, secrets):
    needs(form, "private view of the files", "own process namespace")
    key, files = secrets
    trial = attack(tmp_path, READ_SECRETS[form], files)
    assert trial.error is None
    assert key not in trial.output[0]["found"]


@pytest.mark.parametrize("form", FORMS)
def test_the_disk_fills_no_further_than_the_runs_own_folder(tmp_path, form):
    needs("bypass", "private view of the files")  # only the OS can cap what is written inside the run's folder
    prefix = f"fill-{uuid.uuid4().hex[:8]}"
    trial = attack(tmp_path, FILL_DISK[form], {"prefix": prefix})
    outside = [path for folder in ("/tmp", "/var/tmp", "/dev/shm") for path in Path(folder).glob(f"{prefix}-*")]
    for path in outside:
        path.unlink()
    assert trial.error is None
    assert trial.output[0]["written"] <= LIMITS.disk_bytes
    assert outside == []


@pytest.mark.parametrize("form", FORMS)
def test_memory_is_capped(tmp_path, form):
    trial = attack(tmp_path, FILL_MEMORY[form], {})
    if form == "plain":
        assert trial.error == "MemoryError"
    else:
        assert trial.output == [{"held": 0}]


def test_the_run_sees_no_variable_of_shalls_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-shown")
    trial = attack(tmp_path, "import os\n\ndef run(target):\n    return [dict(os.environ)]\n", {})
    assert "OPENAI_API_KEY" not in trial.output[0]
    assert set(trial.output[0]) <= {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "TMPDIR", "LC_CTYPE"}


def test_this_machine_gives_generated_code_every_wall_when_root():
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or not unshare or subprocess.run([unshare, "--mount", "--net", "--pid", "--fork", "true"]).returncode:
        pytest.skip("not root, or namespaces refused: the build report says which walls it had")
    assert isolation.best().kind == "jail", isolation.best().describe()

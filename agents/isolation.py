"""Which walls the OS can put around generated code on this machine, and the command that puts them up.

From the most to the least, the first that works here is used:
1. `jail`: as root with util-linux `unshare`: no network, its own process
   namespace, a private view of the files (agents/jail.py), a size-capped
   working folder, and the user `nobody`;
2. `namespaces`: the same without the private view of the files, where mount
   namespaces are refused: `nobody` then needs to reach the interpreter and
   its packages where they are;
3. none: resource limits and the harness's audit hook only.

Each is tried once per process with a real start of the interpreter that
imports what the app needs, so a layer that would break the app is never
used, and the build report says which layers it had.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agents.models.registry import cache_dir

JAIL = Path(__file__).with_name("jail.py")
# What the generated app imports beyond the standard library (SQL components run on DuckDB).
APP_PACKAGES = ("duckdb",)
ALL_LAYERS = ("no network", "own process namespace", "private view of the files", "unprivileged user")


@dataclass(frozen=True)
class Isolation:
    kind: str  # "jail", "namespaces" or "none"
    layers: tuple[str, ...]
    uid: int | None = None
    gid: int | None = None

    def describe(self) -> str:
        had = ", ".join([*self.layers, "resource limits", "audit hook"])
        missing = [layer for layer in ALL_LAYERS if layer not in self.layers]
        if not missing:
            return had
        why = "not root, or util-linux unshare/setpriv is missing" if self.kind == "none" else "mount namespaces refused"
        return f"{had} (missing: {', '.join(missing)}; {why})"

    def prepare(self, scratch: Path) -> None:
        """Make the run's folder usable behind these walls: without the jail's copy, `nobody` needs it given."""
        if self.kind == "namespaces":
            for path in [scratch, *scratch.rglob("*")]:
                os.chown(path, self.uid, -1, follow_symlinks=False)
            os.chmod(scratch, 0o700)

    def command(self, python: list[str], work: Path, work_bytes: int) -> list[str]:
        """`python` (a command run in `work`) wrapped in this isolation."""
        if self.kind == "jail":
            plan = {"show": shown_folders(), "cover": covered_folders(), "work": str(work), "work_bytes": work_bytes,
                    "uid": self.uid, "gid": self.gid, "command": python}
            return [*_unshare("--mount", "--mount-proc"), sys.executable, "-I", "-S", "-B", str(JAIL), json.dumps(plan)]
        if self.kind == "namespaces":
            return [*_unshare(), shutil.which("setpriv"), f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                    "--no-new-privs", *python]
        return python


@functools.cache
def package_folders() -> tuple[str, ...]:
    """The sys.path folders the app's packages come from, wherever shall was installed (once per process)."""
    folders = []
    for name in APP_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        folders.append(str(origin.parent.parent if spec.submodule_search_locations else origin.parent))
    return tuple(dict.fromkeys(folders))


def shown_folders() -> list[str]:
    """What generated code may read: the interpreter, its standard library, and the app's packages."""
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable)), os.path.dirname(sys.executable),
             sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib"), *package_folders()]
    return list(dict.fromkeys(found))


def secret_folders() -> list[str]:
    """Where the user's secrets are: their home (~/.ssh, ~/.config) and the model cache."""
    return [str(Path.home()), str(cache_dir())]


def covered_folders() -> list[str]:
    """Folders hidden from generated code: the secrets, and places anyone may write to."""
    return [*secret_folders(), tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm", "/run/user"]


def probe_code() -> str:
    """What a probe runs inside the walls: the app's imports, from where the app will find them."""
    return f"import sys; sys.path[:0] = {package_folders()!r}; import json, signal; " + "".join(
        f"import {name}; " for name in APP_PACKAGES if importlib.util.find_spec(name))


def _unshare(*more: str) -> list[str]:
    return [shutil.which("unshare"), "--net", "--pid", "--fork", "--kill-child", *more, "--"]


@functools.cache
def best() -> Isolation:
    """The strongest isolation that starts the app's interpreter on this machine."""
    none = Isolation("none", ())
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv"):
        return none
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        return none
    candidates = [Isolation("jail", ALL_LAYERS, nobody.pw_uid, nobody.pw_gid),
                  Isolation("namespaces", ("no network", "own process namespace", "unprivileged user"),
                            nobody.pw_uid, nobody.pw_gid)]
    for isolation in candidates:
        if _starts(isolation):
            return isolation
    return none


def _starts(isolation: Isolation) -> bool:
    with tempfile.TemporaryDirectory(prefix="shall-probe-") as scratch:
        work = Path(scratch) / "work"
        work.mkdir()
        isolation.prepare(Path(scratch))
        command = isolation.command([sys.executable, "-I", "-B", "-c", probe_code()], work, 1 << 20)
        try:
            return subprocess.run(command, cwd=work, capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

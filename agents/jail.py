"""Give generated code a private view of the files, then become `nobody` and start the harness.

Started by agents.sandbox as root inside fresh mount, network and process
namespaces (`unshare`); never imported by shall. What it does there, where no
other process can see it:
- covers the folders that hold secrets or that anyone may write to (the
  user's home, the model cache, /tmp, /var/tmp, /dev/shm) and every folder
  `nobody` could not pass through on the way to what it needs, with small
  empty read-only file systems;
- shows again, read-only and at the same paths, only what the generated app
  needs: the Python interpreter, its standard library, and the folders its
  packages come from. Paths stay the same, so virtual environments,
  symlinks and .pth files work as before;
- gives the run a working folder of its own, a size-capped file system
  holding a copy of the app, so it cannot fill the disk;
- drops to `nobody`, with no way back (no new privileges), and starts the
  harness in that folder.

The plan comes as JSON in argv[1]:
  {"show": [...], "cover": [...], "work": "...", "work_bytes": N, "uid": N, "gid": N, "command": [...]}
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import stat
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 32, 4096, 16384
PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 38, 1

_libc = ctypes.CDLL(None, use_errno=True)


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = (lambda text: text.encode() if text is not None else None)
    if _libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {source} on {target}: {os.strerror(error)}")


def passable_by_others(folder: str) -> bool:
    """Whether a user who owns nothing here may go through `folder`."""
    return bool(os.stat(folder).st_mode & stat.S_IXOTH)


def ancestors(path: str) -> list[str]:
    parts, found = path.strip("/").split("/"), []
    for depth in range(1, len(parts)):
        found.append("/" + "/".join(parts[:depth]))
    return found


def outermost(paths: set[str]) -> list[str]:
    """Drop every path that lies inside another one of them."""
    return sorted(p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths))


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def plan_covers(show: list[str], work: str, cover: list[str]) -> list[str]:
    """The folders to cover: those asked for, and any folder that would stop `nobody` reaching what it needs."""
    wanted = {os.path.realpath(c) for c in cover if os.path.isdir(c)} - {"/"}
    for path in [*show, work]:
        wanted |= {folder for folder in ancestors(path) if not passable_by_others(folder)}
    # A folder that is itself shown, or lies inside one, has nothing to hide from this run.
    return outermost({c for c in wanted if not any(inside(c, s) for s in show)})


def main() -> int:
    plan = json.loads(sys.argv[1])
    show = [p for p in dict.fromkeys(os.path.realpath(p) for p in plan["show"]) if os.path.isdir(p)]
    work = os.path.realpath(plan["work"])
    held = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in [*show, work]}
    covers = plan_covers(show, work, plan["cover"])

    for folder in covers:
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for path in outermost({p for p in show if any(inside(p, c) for c in covers)}):
        os.makedirs(path, mode=0o755, exist_ok=True)
        mount(f"/proc/self/fd/{held[path]}", path, None, MS_BIND | MS_REC)
        mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)

    os.makedirs(work, mode=0o700, exist_ok=True)
    mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={plan['work_bytes']},mode=700,uid={plan['uid']},gid={plan['gid']}")
    shutil.copytree(f"/proc/self/fd/{held[work]}", work, dirs_exist_ok=True)
    for folder, _, files in os.walk(work):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.chown(name, plan["uid"], plan["gid"], follow_symlinks=False)
    for descriptor in held.values():
        os.close(descriptor)
    for folder in covers:
        mount(None, folder, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=755")

    os.setgroups([])
    os.setresgid(plan["gid"], plan["gid"], plan["gid"])
    os.setresuid(plan["uid"], plan["uid"], plan["uid"])
    # Becoming nobody cleared what `unshare --kill-child` set: die with it if shall is killed.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "could not forbid new privileges")
    os.chdir(work)
    os.execv(plan["command"][0], plan["command"])


if __name__ == "__main__":
    sys.exit(main())

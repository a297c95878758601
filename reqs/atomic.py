"""Write files so that a crash never leaves one half-written."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from pathlib import Path

# The name write_atomic gives its temporary file (tempfile adds 8 letters, digits or underscores).
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: readers see the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # see _TEMPORARY
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_strays(folder: Path, *, recursive: bool = True, older_than: float = 0.0, named: str = "") -> list[Path]:
    """Remove the temporary files write_atomic leaves when it is killed mid-write; returns them.

    `older_than` (seconds) spares a write that may still be going on in another process; `named` keeps
    to the temporary files of one file name.
    """
    if not folder.is_dir():
        return []
    removed, now = [], time.time()
    for path in folder.rglob(".*.tmp") if recursive else folder.glob(".*.tmp"):
        try:
            if (_TEMPORARY.match(path.name) and path.name.startswith(f".{named}") and path.is_file()
                    and now - path.stat().st_mtime >= older_than):
                path.unlink()
                removed.append(path)
        except OSError:  # gone already
            continue
    return removed

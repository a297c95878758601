"""Files a build wrote but never committed, so that an abandoned build's half-work is never taken for a person's.

While it runs, a build writes candidates into app/ to test them. If it is
stopped and then abandoned (the requirements changed, so a new build starts
instead of resuming), those files must not be committed as hand edits or
merged as if someone had typed them. Every file a build writes is recorded
here with its blob id, and every file it deletes as deleted; a later build
puts back the committed version of each file that still holds exactly what
the abandoned build wrote, or is still gone. A file that differs was edited
by a person since, and is left alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from reqs.atomic import write_atomic
from reqs.gitrepo import GitRepo
from specs.lock import blob_id, file_blob_id

WRITTEN = Path(".shall") / "written.json"
REMOVED = ""  # noted in place of a blob id for a file the build deleted; no blob id is empty


def record(root: Path, texts: dict[str, str]) -> None:
    """Note what the build just wrote (relative path -> text)."""
    _note(root, {path: blob_id(text) for path, text in texts.items()})


def record_removed(root: Path, paths: list[str]) -> None:
    """Note the files the build is about to delete (relative paths), so a kill before the commit puts them back."""
    _note(root, dict.fromkeys(paths, REMOVED))


def _note(root: Path, blobs: dict[str, str]) -> None:
    written = _read(root)
    now = {**written, **blobs}
    if now != written:  # a build renders many times; most renders change nothing
        write_atomic(root / WRITTEN, json.dumps(now, sort_keys=True))


def clear(root: Path) -> None:
    (root / WRITTEN).unlink(missing_ok=True)


def put_back(root: Path, repo: GitRepo) -> list[str]:
    """Restore the committed version of every file an abandoned build left as it wrote it, or deleted; returns
    those paths."""
    restored = []
    written = _read(root)
    differing = repo.changed([repo.relative(root / path) for path in written])
    for path, blob in written.items():
        left = None if blob == REMOVED else blob  # what the build left there: a deleted file is left gone
        if file_blob_id(root / path) != left:
            continue  # changed since, by a person: theirs to keep
        relative = repo.relative(root / path)
        if relative not in differing:
            continue  # the build left it as committed already: nothing to put back
        if repo.is_tracked(relative):
            repo.restore(relative)
        else:
            (root / path).unlink()
        restored.append(path)
    clear(root)
    return restored


def _read(root: Path) -> dict[str, str]:
    try:
        return json.loads((root / WRITTEN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}

"""A cache of parsed requirement files, so that status and check stay fast with a thousand requirements.

Reading YAML with its comments and line numbers costs about 3 ms a file.
The cache keeps each file's plain data under the hash of its bytes in
.shall/parsed.json (never committed); a file whose bytes changed is read
again. Line numbers are still exact: a cached document reads its YAML tree
the moment a message needs a line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from reqs.atomic import write_atomic

CACHE_FILE = Path(".shall") / "parsed.json"
CACHE_VERSION = 1


class ParseCache:
    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_FILE
        self.entries: dict[str, list] = {}
        self.changed = False
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("version") == CACHE_VERSION:
                self.entries = stored["files"]
        except (OSError, ValueError, KeyError, AttributeError):
            pass  # no cache, or one from another version: it is rebuilt as files are read

    @staticmethod
    def key(raw: bytes) -> str:
        return hashlib.sha1(raw).hexdigest()

    def get(self, display: str, key: str) -> Any | None:
        entry = self.entries.get(display)
        return entry[1] if entry and entry[0] == key else None

    def put(self, display: str, key: str, data: Any) -> None:
        self.entries[display] = [key, data]
        self.changed = True

    def save(self, keep: set[str]) -> None:
        """Write the cache if it changed, forgetting files that are gone; a read-only workspace just goes uncached."""
        gone = set(self.entries) - keep
        for display in gone:
            del self.entries[display]
        if not (self.changed or gone):
            return
        try:
            write_atomic(self.path, json.dumps({"version": CACHE_VERSION, "files": self.entries}))
        except OSError:
            pass

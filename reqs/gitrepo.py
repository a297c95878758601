"""All git goes through this one wrapper."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reqs.problems import ShallError

FALLBACK_NAME = "shall"
# Temporary files of a write still going on, or cut short by a kill (reqs/atomic.py): never committed.
NOT_WORK = ":(exclude,glob)**/.*.tmp"
FALLBACK_EMAIL = "shall@localhost"


TRAILER = "Shall-Requirement"  # one per requirement a commit serves: `git log --grep "Shall-Requirement: WT-002"`


class GitError(ShallError):
    pass


def trailers(requirement_ids: list[str]) -> str:
    """The end of a commit message: a blank line, then a trailer line per requirement the commit serves."""
    return "".join(["\n", *(f"{TRAILER}: {rid}\n" for rid in requirement_ids)])


def trailer_ids(message: str) -> list[str]:
    return re.findall(rf"^{TRAILER}: (\S+)", message, re.M)


def _git():
    try:
        import git
    except ImportError as error:  # GitPython refuses to import when no git executable is found
        raise GitError(f"git is not available ({error}); install git and try again") from error
    return git


class GitRepo:
    def __init__(self, repo) -> None:
        self.repo = repo
        self.root = Path(repo.working_tree_dir)

    @classmethod
    def open_or_init(cls, root: Path) -> GitRepo:
        """The repository whose top is `root`, made if there is none yet."""
        git = _git()
        if (root / ".git").exists():
            return cls(git.Repo(root))
        return cls(git.Repo.init(root, initial_branch="main"))

    @classmethod
    def open_enclosing(cls, root: Path) -> GitRepo:
        """The repository `root` is in (it may be a folder of a bigger one), made at `root` if there is none."""
        git = _git()
        try:
            return cls(git.Repo(root, search_parent_directories=True))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return cls(git.Repo.init(root, initial_branch="main"))

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def changed(self, paths: list[str]) -> dict[str, str]:
        """Of `paths` (files or folders, relative to the repository), those changed since the last commit:
        path -> "added", "changed" or "removed"."""
        output = self.repo.git.status("--porcelain", "-z", "--untracked-files=all", "--", *paths, NOT_WORK) if paths else ""
        found, entries = {}, iter(e for e in output.split("\0") if e)
        for entry in entries:
            code = entry[:2]
            if "R" in code or "C" in code:
                next(entries, None)  # the old name of a rename
            found[entry[3:]] = "added" if code in ("??", "A ") else "removed" if "D" in code else "changed"
        return dict(sorted(found.items()))

    def read_blob(self, blob: str) -> str | None:
        """The text of a blob this repository holds, or None if it has none by that id."""
        git = _git()
        try:
            return self.repo.git.cat_file("blob", blob, strip_newline_in_stdout=False)
        except git.GitCommandError:
            return None

    def store_blob(self, text: str) -> str:
        """Keep `text` in the repository's object store (so it can be a merge base later); returns its blob id."""
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".shall", delete=False, newline="") as handle:
            handle.write(text)
        try:
            return self.repo.git.hash_object("-w", handle.name)
        finally:
            Path(handle.name).unlink()

    def relative_root(self, folder: Path) -> str:
        """`folder` as a pathspec: "." when it is the repository's top."""
        return "." if folder.resolve() == self.root.resolve() else self.relative(folder)

    def is_tracked(self, path: str) -> bool:
        return bool(self.repo.git.ls_files("--", path))

    def restore(self, path: str) -> None:
        """Put back the committed version of one file."""
        self.repo.git.checkout("HEAD", "--", path)

    def has_parent(self) -> bool:
        return self.repo.head.is_valid() and bool(self.repo.head.commit.parents)

    def changed_since(self, revisions: list[str], path: str) -> list[str]:
        """Files under `path` that differ between the revisions (one revision: against the working tree)."""
        git = _git()
        try:
            return self.repo.git.diff("--name-only", *revisions, "--", path).splitlines()
        except git.GitCommandError as error:
            raise GitError(f"git does not know the revision {revisions[0]!r}: give a commit, a tag or a branch, "
                           "like HEAD~1") from error

    def diff(self, revisions: list[str], path: str) -> str:
        return self.repo.git.diff(*revisions, "--", path)

    def show(self, spec: str) -> str | None:
        """A file as it was at a revision ("REV:path"), or None where it did not exist."""
        git = _git()
        try:
            return self.repo.git.show(spec)
        except git.GitCommandError:
            return None

    def log(self, path: str, limit: int) -> list:
        """The commits that touched `path`, newest first."""
        return list(self.repo.iter_commits(paths=path, max_count=limit)) if self.repo.head.is_valid() else []

    def commit(self, paths: list[str], message: str) -> str | None:
        """Commit exactly `paths` (relative to the root). Returns the new commit's id, or None if nothing changed."""
        git = _git()
        try:
            if paths:
                self.repo.git.add("-A", "--", *paths, NOT_WORK)  # -A: a deleted file is committed as deleted
            if self.repo.head.is_valid():
                if not self.repo.index.diff("HEAD"):
                    return None
            elif not self.repo.index.entries:
                return None
            actor = self._actor(git)
            commit = self.repo.index.commit(message, author=actor, committer=actor)
        except git.GitCommandError as error:
            raise GitError(f"git could not commit in {self.root}: {error.stderr.strip() or error}") from error
        return commit.hexsha

    def _actor(self, git):
        reader = self.repo.config_reader()
        name = reader.get_value("user", "name", default="") or FALLBACK_NAME
        email = reader.get_value("user", "email", default="") or FALLBACK_EMAIL
        return git.Actor(name, email)


@dataclass
class Merged:
    text: str
    conflicts: bool


def merge_texts(base: str, ours: str, theirs: str, labels: tuple[str, str, str]) -> Merged:
    """A three-way merge of texts with `git merge-file`; where both sides changed the same lines, conflict markers."""
    git = _git()
    with tempfile.TemporaryDirectory(prefix="shall-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8", newline="")
            paths.append(str(path))
        status, output, error = git.Git().execute(
            ["git", "merge-file", "-p", "-L", labels[0], "-L", labels[1], "-L", labels[2], *paths],
            with_extended_output=True, with_exceptions=False, strip_newline_in_stdout=False)
    if status < 0 or status > 127:
        raise GitError(f"git merge-file failed: {error.strip()}")
    return Merged(output, conflicts=status != 0)

"""All git goes through this one wrapper."""

from __future__ import annotations

from pathlib import Path

from reqs.problems import ShallError

FALLBACK_NAME = "shall"
FALLBACK_EMAIL = "shall@localhost"


class GitError(ShallError):
    pass


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

    def commit(self, paths: list[str], message: str) -> str | None:
        """Commit exactly `paths` (relative to the root). Returns the new commit's id, or None if nothing changed."""
        git = _git()
        try:
            self.repo.index.add(paths)
            if self.repo.head.is_valid() and not self.repo.index.diff("HEAD"):
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

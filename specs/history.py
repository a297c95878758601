"""What changed in the requirements and in the code made from them, grouped by requirement (for `shall diff`
and the history view), and the log of builds."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reqs.gitrepo import GitRepo, trailer_ids
from reqs.yamlfile import YamlDocument
from reqs.model import id_from_file_name
from reqs.workspace import load_workspace
from specs.lock import LOCK_FILE, Lock, load_lock, lock_from_text

SHARED = "Shared by the whole app"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's id for a tree with nothing in it


def requirement_diff(root: Path, rev: str | None = None, until: str | None = None) -> str:
    """The changes since `rev` (to the working tree, or to the commit `until`), grouped by requirement."""
    repo = GitRepo.open_enclosing(root)
    workspace = repo.relative_root(root)
    uncommitted = repo.changed([workspace]) if until is None else {}
    if rev is None:
        rev = "HEAD" if uncommitted or not repo.has_parent() else "HEAD~1"
    span = [rev] if until is None else [rev, until]
    named = repo.changed_since(span, workspace)
    paths = sorted(set(named) | {p for p, kind in uncommitted.items() if kind == "added"})
    if not paths:
        return f"Nothing changed since {rev}.\n"
    owners = _owners(root, repo, rev)
    titles = {r.id: r.title for r in load_workspace(root).requirements}
    groups: dict[str, list[str]] = {}
    for path in paths:
        for owner in owners.get(path) or _owner_by_name(path) or [SHARED]:
            groups.setdefault(owner, []).append(path)
    lines = [f"Changes since {rev}, by requirement:" if until is None else f"Changes from {rev} to {until}, by requirement:"]
    for owner in sorted(groups, key=lambda name: (name == SHARED, name)):
        heading = owner if owner == SHARED else f"{owner} {titles.get(owner) or _missing_title(root, owner)}"
        lines += ["", heading, "=" * len(heading)]
        for path in groups[owner]:
            lines.append(_file_diff(repo, span, path, uncommitted.get(path)))
    return "\n".join(lines).rstrip("\n") + "\n"


def _missing_title(root: Path, requirement: str) -> str:
    return "(new, not valid yet)" if list((root / "reqs").glob(f"{requirement}*.yaml")) else "(removed)"


def _owners(root: Path, repo: GitRepo, rev: str) -> dict[str, list[str]]:
    """repository path -> the requirements its generated code serves, from the lock now and the lock at `rev`."""
    owners: dict[str, set[str]] = {}
    prefix = "" if repo.relative_root(root) == "." else repo.relative(root) + "/"
    locks = [load_lock(root), _lock_at(repo, f"{rev}:{prefix}{LOCK_FILE}")]
    for lock in locks:
        for path, entry in (lock.files.items() if lock else []):
            owners.setdefault(prefix + path, set()).update(entry.requirements)
    return {path: sorted(found) for path, found in owners.items() if found}


def _lock_at(repo: GitRepo, spec: str) -> Lock | None:
    """The lock as it was at a revision, or None where the workspace was not built yet."""
    text = repo.show(spec)
    if text is None:
        return None
    try:
        return lock_from_text(text)
    except ValueError:  # a lock from another version of shall: ownership from the current one
        return None


def _owner_by_name(path: str) -> list[str]:
    found = id_from_file_name(Path(path).name)
    return [found] if found and "/reqs/" in f"/{path}" else []


def _file_diff(repo: GitRepo, span: list[str], path: str, state: str | None) -> str:
    if state == "added" and not repo.is_tracked(path):
        text = (repo.root / path).read_text(encoding="utf-8", errors="replace")
        return f"new file {path}\n" + "".join(f"+{line}\n" for line in text.splitlines())
    return repo.diff(span, path)


def build_log(root: Path, limit: int = 200) -> list[dict]:
    """The commits that touched the workspace, newest first: id, date, subject, and the requirements named."""
    repo = GitRepo.open_enclosing(root)
    entries = []
    for commit in repo.log(repo.relative_root(root), limit):
        message = commit.message
        entries.append({
            "sha": commit.hexsha, "short": commit.hexsha[:8], "date": commit.committed_datetime.strftime("%Y-%m-%d %H:%M"),
            "subject": message.splitlines()[0] if message else "",
            "requirements": trailer_ids(message),
            "parent": commit.parents[0].hexsha if commit.parents else None,
        })
    return entries


def change_sentences(root: Path, parent: str | None, sha: str, subject: str = "", repo: GitRepo | None = None) -> list[str]:
    """What a commit changed in the requirements and the project, as sentences a person reads ("You added the
    example "two visits, one high" to REQ-001"); a build says what it built. `parent` None: the first commit.
    `repo`: the workspace's repository, opened once for many commits."""
    if subject.startswith("Build"):
        built = subject[len("Build"):].strip().rstrip(".")
        return [f"shall built the app for {built}." if built else "shall built the app."]
    repo = repo or GitRepo.open_enclosing(root)
    prefix = "" if repo.relative_root(root) == "." else repo.relative(root) + "/"
    before = parent or EMPTY_TREE
    paths = repo.changed_since([before, sha], repo.relative_root(root) + "/reqs" if prefix else "reqs")
    sentences = []
    for path in sorted(paths, key=lambda p: not p.endswith("project.yaml")):  # the project first
        old, new = _yaml_at(repo, before, path), _yaml_at(repo, sha, path)
        if path.endswith("project.yaml"):
            sentences += _project_sentences(old, new)
        else:
            sentences += _requirement_sentences(old, new, id_from_file_name(Path(path).name) or Path(path).name)
    if not sentences and subject:
        sentences = [subject]
    return sentences or ["Nothing in the requirements changed."]



def _yaml_at(repo: GitRepo, rev: str, path: str) -> dict:
    text = repo.show(f"{rev}:{path}") if rev != EMPTY_TREE else None
    return {} if text is None else _data_of(text, path)


@lru_cache(maxsize=256)  # a file's text at one commit is its text before the next one
def _data_of(text: str, path: str) -> dict:
    """A requirement or project file's plain data, read as the workspace reads it; {} if it cannot be read."""
    document, _ = YamlDocument.parse(text, Path(path), path)
    data = document.data if document is not None else None
    return data if isinstance(data, dict) else {}


def _requirement_sentences(old: dict, new: dict, rid: str) -> list[str]:
    title = str(new.get("title") or old.get("title") or "").strip()
    named = f"{rid} ({title})" if title else rid
    if not old:
        return [f"You added {named}."]
    if not new:
        return [f"You removed {named}."]
    said = []
    if old.get("statement") != new.get("statement"):
        said.append(f"You changed what {named} shall do.")
    if old.get("title") != new.get("title"):
        said.append(f"You renamed {rid} “{title}”.")
    if old.get("priority") != new.get("priority"):
        said.append(f"You made {named} a {new.get('priority') or 'must'}.")
    examples = [{str(e.get("name")): e for e in (d.get("examples") or []) if isinstance(e, dict)} for d in (old, new)]
    for name in examples[1]:
        if name not in examples[0]:
            how = "answered the question" if name.startswith("asked:") else "added the example"
            said.append(f"You {how} “{name}” {'of' if how.startswith('answered') else 'to'} {named}.")
        elif examples[0][name] != examples[1][name]:
            said.append(f"You changed the example “{name}” of {named}.")
    said += [f"You removed the example “{name}” from {named}." for name in examples[0] if name not in examples[1]]
    return said or [f"You changed the way {named} is written, not what it says."]


def _project_sentences(old: dict, new: dict) -> list[str]:
    if not old:
        return [f"You started the project “{new.get('name') or ''}”."]
    said = []
    if old.get("name") != new.get("name"):
        said.append(f"You renamed the project “{new.get('name')}”.")
    if old.get("description") != new.get("description"):
        said.append("You changed what the project is for.")
    fields = [{(c, f): spec for c, entry in (d.get("collections") or {}).items() if isinstance(entry, dict)
               for f, spec in (entry.get("fields") or {}).items()} for d in (old, new)]
    for (collection, field) in fields[1]:
        words = collection.replace("_", " ")
        if (collection, field) not in fields[0]:
            said.append(f"You added the field {field} to the {words} you record.")
        elif fields[0][(collection, field)] != fields[1][(collection, field)]:
            said.append(f"You changed the field {field} of the {words}.")
    said += [f"You removed the field {f} from the {c.replace('_', ' ')}." for (c, f) in fields[0] if (c, f) not in fields[1]]
    return said or ["You changed the way the project file is written, not what it says."]

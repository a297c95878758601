"""Loading a workspace: the project file and every requirement, with all their problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from reqs.checks import check_workspace
from reqs.friendly import problems_from
from reqs.model import ID_PATTERN, Example, Project, Requirement, id_number
from reqs.parsecache import ParseCache
from reqs.problems import Problem, ShallError
from reqs.yamlfile import YamlDocument

REQS_DIR = "reqs"
PROJECT_FILE = "reqs/project.yaml"


class NotAWorkspace(ShallError):
    pass


@dataclass
class RequirementFile:
    """One file under reqs/: what it says, and what is wrong with it on its own."""

    path: Path
    display: str
    document: YamlDocument | None
    requirement: Requirement | None
    problems: list[Problem] = field(default_factory=list)
    # What could be read even when the whole could not, so the checks across
    # files still see it and every problem is reported in one run.
    id: str | None = None
    examples: list[tuple[int, Example]] = field(default_factory=list)


@dataclass
class Workspace:
    root: Path
    project: Project | None
    project_document: YamlDocument | None
    files: list[RequirementFile]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def requirements(self) -> list[Requirement]:
        """The requirements that loaded, in id order."""
        loaded = [f.requirement for f in self.files if f.requirement is not None]
        return sorted(loaded, key=lambda r: id_number(r.id))


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds reqs/project.yaml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise NotAWorkspace(
        f"no shall workspace here: there is no {PROJECT_FILE} in {start} or the folders above it. "
        "Run `shall init` to make one, or change into your workspace folder."
    )


def requirement_paths(root: Path) -> list[Path]:
    folder = root / REQS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in (".yaml", ".yml") and not path.name.startswith(".") and path.name != "project.yaml" and path.is_file()
    )


def load_project(root: Path) -> tuple[Project | None, YamlDocument | None, list[Problem]]:
    document, problems = YamlDocument.read(root / PROJECT_FILE, PROJECT_FILE)
    if document is None:
        return None, None, problems
    if not isinstance(document.data, dict):
        return None, document, [Problem(PROJECT_FILE, 1, "this file should describe the project with `name:` and `description:` lines")]
    try:
        return Project.model_validate(document.data), document, []
    except ValidationError as error:
        return None, document, problems_from(error, document, "project")


def load_requirement(path: Path, display: str, cache: ParseCache | None = None) -> RequirementFile:
    document, problems = YamlDocument.read(path, display, cache)
    if document is None:
        return RequirementFile(path, display, None, None, problems)
    return parse_requirement(document)


def parse_requirement(document: YamlDocument) -> RequirementFile:
    data = document.data
    if not isinstance(data, dict):
        what = "is empty" if data is None else "does not hold `key: value` lines"
        problem = Problem(document.display, 1, f"this file {what}; a requirement starts with `id: REQ-001`, then `title:`, `statement:` and `examples:`")
        return RequirementFile(document.path, document.display, document, None, [problem])
    try:
        requirement = Requirement.model_validate(data)
    except ValidationError as error:
        problems = problems_from(error, document, "requirement")
        return RequirementFile(document.path, document.display, document, None, problems, _readable_id(data), _readable_examples(data))
    return RequirementFile(document.path, document.display, document, requirement, [], requirement.id, list(enumerate(requirement.examples)))


def _readable_id(data: dict) -> str | None:
    value = data.get("id")
    return value.strip() if isinstance(value, str) and re.match(ID_PATTERN, value.strip()) else None


def _readable_examples(data: dict) -> list[tuple[int, Example]]:
    raw = data.get("examples")
    readable = []
    for index, example in enumerate(raw if isinstance(raw, list) else []):
        try:
            readable.append((index, Example.model_validate(example)))
        except ValidationError:
            continue
    return readable


def load_workspace(root: Path) -> Workspace:
    """Everything under reqs/, with every problem found; never raises for bad input."""
    project, project_document, problems = load_project(root)
    cache = ParseCache(root)
    files = [load_requirement(path, f"{REQS_DIR}/{path.name}", cache) for path in requirement_paths(root)]
    cache.save({file.display for file in files})
    workspace = Workspace(root, project, project_document, files, problems)
    for file in files:
        workspace.problems.extend(file.problems)
    workspace.problems.extend(check_workspace(project, files, next_free_id(files)))
    workspace.problems.sort()
    return workspace


def next_free_id(files: list[RequirementFile], prefix: str = "REQ") -> str:
    """The id after the highest one in use, counting ids claimed by file names of broken files too."""
    numbers = [0]
    for file in files:
        if file.id is not None and id_number(file.id)[0] == prefix:
            numbers.append(id_number(file.id)[1])
        numbers.append(_number_in_name(file.path.stem, prefix))
    return f"{prefix}-{max(numbers) + 1:03d}"


def _number_in_name(stem: str, prefix: str) -> int:
    head = stem[len(prefix) + 1:] if stem.startswith(prefix + "-") else ""
    digits = head[: len(head) - len(head.lstrip("0123456789"))]
    return int(digits) if digits else 0

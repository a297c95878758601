"""Checks that look across files: ids, names, and records against their collections."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reqs.fieldtypes import infer, show, type_error
from reqs.model import CollectionSpec, Project
from reqs.problems import Problem

if TYPE_CHECKING:
    from reqs.workspace import RequirementFile

_KIND = {
    "text": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true/false",
    "date": "a date",
    "datetime": "a date and time",
}


@dataclass(frozen=True)
class Observation:
    """One value seen for a field of a collection that the glossary does not declare."""

    collection: str
    field: str
    type: str
    value: Any
    display: str
    document: Any  # the YamlDocument, asked for the line only when a message needs it
    loc: tuple
    example: str

    @property
    def line(self) -> int:
        return self.document.line_of(self.loc)


def check_workspace(project: Project | None, all_files: list[RequirementFile], free_id: str) -> list[Problem]:
    """Problems between files. `free_id` is offered to the person when two files share an id."""
    files = [f for f in all_files if f.document is not None]
    problems = []
    problems += _ids_match_file_names(files)
    problems += _ids_are_unique(files, free_id)
    problems += _example_names_are_unique(files)
    declared = project.collections if project else {}
    problems += _records_fit_declared(files, declared)
    problems += _undeclared_types_agree(observe_undeclared(files, declared))
    return problems


def _ids_match_file_names(files: list[RequirementFile]) -> list[Problem]:
    problems = []
    for file in files:
        requirement_id = file.id
        if requirement_id is None:
            continue
        stem = file.path.stem
        rest = stem[len(requirement_id):]
        if stem.startswith(requirement_id) and (not rest or not rest[0].isdigit()):
            continue
        problems.append(Problem(
            file.display, file.document.line_of(("id",)),
            f"the id is {requirement_id} but the file is named {file.path.name}; a file's name must start with its id, "
            f"so rename the file to {requirement_id}{file.path.suffix} or change the id",
        ))
    return problems


def _ids_are_unique(files: list[RequirementFile], free_id: str) -> list[Problem]:
    first: dict[str, RequirementFile] = {}
    problems = []
    for file in files:
        requirement_id = file.id
        if requirement_id is None:
            continue
        if requirement_id not in first:
            first[requirement_id] = file
            continue
        original = first[requirement_id]
        problems.append(Problem(
            file.display, file.document.line_of(("id",)),
            f"{requirement_id} is already the id of {original.display}:{original.document.line_of(('id',))}; "
            f"each requirement needs its own id, so give this one a new id such as {free_id} "
            "and rename the file to match",
        ))
    return problems


def _example_names_are_unique(files: list[RequirementFile]) -> list[Problem]:
    problems = []
    for file in files:
        seen: dict[str, int] = {}
        for index, example in file.examples:
            key = example.name.casefold()
            if key in seen:
                problems.append(Problem(
                    file.display, file.document.line_of(("examples", index, "name")),
                    f'two examples are named "{example.name}" (the other is on line '
                    f'{file.document.line_of(("examples", seen[key], "name"))}); give each example its own name',
                ))
            else:
                seen[key] = index
    return problems


def _records_fit_declared(files: list[RequirementFile], declared: dict[str, CollectionSpec]) -> list[Problem]:
    problems = []
    for file in files:
        for index, example in file.examples:
            label = f'example "{example.name}"'
            for section, collection, position, record in example.records():
                spec = declared.get(collection)
                if spec is None:
                    continue
                loc = ("examples", index, section, collection, position)
                for field_name, value in record.items():
                    if field_name not in spec.fields:
                        problems.append(Problem(file.display, file.document.line_of(loc + (field_name,)),
                                                f"{label}: '{collection}' has no field '{field_name}'; {_fields_hint(field_name, spec)}"))
                    elif error := type_error(spec.fields[field_name].type, value):
                        problems.append(Problem(file.display, file.document.line_of(loc + (field_name,)),
                                                f"{label}: field '{field_name}' {error}"))
                missing = [name for name in spec.fields if name not in record]
                if section == "given" and missing:
                    problems.append(Problem(
                        file.display, file.document.line_of(loc),
                        f"{label}: record {position + 1} of '{collection}' has no {_quoted(missing)}; "
                        f"records under 'given' need every field of '{collection}' ({', '.join(spec.fields)}); "
                        "write null where a value is unknown",
                    ))
    return problems


def _fields_hint(field_name: str, spec: CollectionSpec) -> str:
    close = difflib.get_close_matches(field_name, list(spec.fields), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"{hint}its fields are {', '.join(spec.fields)} (declared in reqs/project.yaml)"


def _quoted(names: list[str]) -> str:
    return " or ".join(f"'{name}'" for name in names) if len(names) <= 2 else ", ".join(f"'{n}'" for n in names)


def observe_undeclared(files: list[RequirementFile], declared: dict[str, Any]) -> list[Observation]:
    """Every non-null value of every collection the glossary leaves out, with its inferred type."""
    seen = []
    for file in files:
        for index, example in file.examples:
            for section, collection, position, record in example.records():
                if collection in declared:
                    continue
                for field_name, value in record.items():
                    field_type = infer(value)
                    if field_type is None:
                        continue
                    loc = ("examples", index, section, collection, position, field_name)
                    seen.append(Observation(collection, field_name, field_type, value, file.display, file.document, loc, example.name))
    return seen


def _undeclared_types_agree(observations: list[Observation]) -> list[Problem]:
    by_field: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for seen in observations:
        by_field[(seen.collection, seen.field)].append(seen)
    problems = []
    for (collection, field_name), values in by_field.items():
        families = Counter(_family(v.type) for v in values)
        if len(families) < 2:
            continue
        usual = families.most_common(1)[0][0]
        witness = next(v for v in values if _family(v.type) == usual)
        for odd in (v for v in values if _family(v.type) != usual):
            problems.append(Problem(
                odd.display, odd.line,
                f"example \"{odd.example}\": field '{field_name}' of '{collection}' is {_KIND[odd.type]} here "
                f"({show(odd.value)}) but {_KIND[witness.type]} in {witness.display}:{witness.line}; "
                f"write the same kind of value in every example, or declare '{collection}' in reqs/project.yaml",
            ))
    return problems


def _family(field_type: str) -> str:
    return "number" if field_type in ("integer", "number") else field_type

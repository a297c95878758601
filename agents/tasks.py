"""What the model is asked: a component's task, the inputs shown with it, and the repair of a wrong answer.

The wording lives in agents/prompts.py; this module fills it in from the design and the examples.
"""

from __future__ import annotations

import ast
import datetime as dt

from agents import prompts
from agents.cases import case_key
from agents.codefix import PARSING
from agents.context import field_notes, project_lines
from agents.progress import Candidate
from agents.state import WorkOnComponent
from specs.design import Design
from specs.render import SQL_COLUMN_TYPES

LANGUAGE_WORDS = {"python": "Python", "sql": "SQL"}


def system_prompt(language: str) -> str:
    return prompts.SQL_SYSTEM if language == "sql" else prompts.SYSTEM


def query_of(code: str) -> str:
    """The query inside a component module written in SQL."""
    with PARSING:
        tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "QUERY" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value.strip()
    return code


def component_task(work: WorkOnComponent, language: str = "python") -> str:
    design_ = Design.model_validate(work["design"])
    component = design_.component(work["component"])
    output = component.writes[0]
    serving = [r for r in work["requirements"] if r["id"] in component.requirements]
    requirements = "\n".join(f"- {r['id']} {r['title']}: {r['statement'].strip()}" for r in serving)
    project = work.get("project")
    context = project_lines(project, design_, component.name, work["requirements"])
    inputs = "\n".join(f"- {name}: {describe_collection(design_, name, project)}" for name in component.reads)
    examples = []
    upstream = work.get("upstream") or {}
    for requirement in serving:
        for example in requirement["examples"]:
            if example["holdout"] or output not in example["then"]:
                continue
            computed = upstream.get(case_key(requirement["id"], example["name"]))
            examples.append(prompts.EXAMPLE.format(
                name=example["name"], inputs=inputs_shown(component.reads, example["given"], design_, computed, language),
                output=output, expected=records_shown(design_, output, example["then"][output], language)))
    if language == "sql":
        tables = "\n".join(f"- {name}({columns(design_, name)})" + _notes(field_notes(project, name))
                           for name in component.reads)
        return prompts.SQL_TASK.format(plural="s" if len(serving) > 1 else "", requirements=requirements, context=context,
                                       inputs=tables, output=output, fields=", ".join(design_.collections[output].fields),
                                       examples="\n\n".join(examples))
    return prompts.TASK.format(plural="s" if len(serving) > 1 else "", requirements=requirements, context=context, inputs=inputs,
                               output=output, fields=typed_fields(design_, output, project), examples="\n\n".join(examples),
                               parameters=", ".join(component.reads))


def describe_collection(design_: Design, name: str, project: dict | None = None) -> str:
    collection = design_.collections[name]
    made_by = "" if collection.source else f"; made by {design_.writer_of(name).name}" if design_.writer_of(name) else ""
    return f"records with {typed_fields(design_, name, project)}{made_by}"


def typed_fields(design_: Design, name: str, project: dict | None) -> str:
    """A collection's fields with their types, and what the glossary says a field means: "temp_c (number; in °C)"."""
    notes = field_notes(project, name)
    return ", ".join(f"{f} ({t}{'; ' + notes[f] if f in notes else ''})" for f, t in design_.collections[name].fields.items())


def _notes(notes: dict[str, str]) -> str:
    return "; " + "; ".join(f"{field}: {note}" for field, note in notes.items()) if notes else ""


def columns(design_: Design, name: str) -> str:
    return ", ".join(f"{f} {SQL_COLUMN_TYPES[t]}" for f, t in design_.collections[name].fields.items())


def inputs_shown(reads: list[str], given: dict, design_: Design, actual: dict | None, language: str) -> str:
    """What a component reads in one example: given there, or made upstream (computed in the sandbox)."""
    lines = []
    for name in reads:
        if name in given:
            lines.append(f"{name} = {records_shown(design_, name, given[name], language)}")
        elif actual and name in actual:
            lines.append(f"{name} = {records_shown(design_, name, actual[name], language)}")
        elif design_.collections[name].source:
            lines.append(f"{name} = []")
        else:
            lines.append(f"{name} = (computed by {design_.writer_of(name).name} from the inputs above)")
    return "\n".join(lines)


def records_shown(design_: Design, name: str, records: list[dict], language: str) -> str:
    """Records as the model reads them: as Python objects to a function, as the examples write them to a query."""
    return repr(typed_records(design_, name, records) if language == "python" else records)


def it_returned(design_: Design, output: str, records: list[dict], language: str) -> str:
    """What a wrong answer gave, for the model to read beside what was expected: "but it returned alerts = [...]"."""
    return f"but it returned {output} = {records_shown(design_, output, records, language)}"


def typed_records(design_: Design, name: str, records: list[dict]) -> list[dict]:
    kinds = design_.collections[name].fields
    parse = {"date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat}
    return [{k: parse[kinds[k]](v) if isinstance(v, str) and kinds.get(k) in parse else v for k, v in r.items()} for r in records]


def repair_messages(work: WorkOnComponent, candidate: Candidate, example: str, inputs: str, expected: list[dict],
                    outcome: str) -> list[dict]:
    """The component's task, then a candidate's code with the example it gets wrong and what it did."""
    design_ = Design.model_validate(work["design"])
    output = design_.component(work["component"]).writes[0]
    language = candidate.language
    shown = query_of(candidate.text) if language == "sql" else candidate.text.strip()
    repair = prompts.REPAIR.format(**prompts.REPAIR_WORDS[language], code=shown, name=example, inputs=inputs,
                                   output=output, expected=records_shown(design_, output, expected, language),
                                   outcome=outcome)
    return [{"role": "system", "content": system_prompt(language)},
            {"role": "user", "content": component_task(work, language)}, {"role": "user", "content": repair}]

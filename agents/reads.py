"""What each component reads, judged by the model with the whole project in view, settled by vote and checked.

The examples say which collections a requirement's inputs come from, but not
which notions it borrows: "the pupils who were fed" means the fed pupils
another requirement defines, not the raw meals read again. The model sees
every collection (its fields, its description, and for a made one the
requirement that makes it) and, for each made collection, chooses the ones
it is made from, in one answer constrained by a JSON schema. It is asked
`votes` times; a collection is read when most answers say so. Then it is
checked: nothing reads its own output or anything made from it, and a
component no answer gives any input keeps the ones its examples give.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from agents.models.seam import CallOptions, ChatModel
from agents.progress import Cost
from reqs.model import Project, Requirement
from specs.design import Design

VOTE_TEMPERATURE = 0.7
SYSTEM = "You design small data apps. Answer with JSON only."
INTRO = """Project: {name}. {description}

Collections (fields, and what each holds):
{collections}

Each made collection is made by one component from other collections. For each made collection, list the
collections its component must read: the ones its requirement uses. Where the requirement uses a notion
that another made collection already holds (a condition, a status, a total), read that made collection
instead of working it out again from its sources."""


@dataclass(frozen=True)
class ChosenReads:
    reads: dict[str, list[str]]     # component name -> collections it reads
    votes: dict[str, dict[str, int]]  # component name -> collection -> answers that chose it
    answers: int
    usage: Cost


def reads_question(project: Project | None, requirements: list[Requirement], design: Design) -> tuple[list[dict], dict]:
    """The messages and the JSON schema of the question: for every made collection, which collections it reads."""
    makers = {r.id: r for r in requirements}
    lines = []
    for name, collection in design.collections.items():
        line = f"- {name}: {', '.join(collection.fields)}."
        if collection.description:
            line += f" {collection.description.strip()}"
        if (writer := design.writer_of(name)) is not None:
            made_by = [makers[r] for r in writer.requirements if r in makers]
            line += " Made by " + "; ".join(f"{r.id} {r.title}: {' '.join(r.statement.split())}" for r in made_by)
        lines.append(line)
    description = " ".join((project.description or "").split()) if project else ""
    name = project.name if project else "an app"
    intro = INTRO.format(name=name, description=description, collections="\n".join(lines))
    made = [c.writes[0] for c in design.flow()]
    properties = {output: {"type": "array", "items": {"type": "string", "enum": [n for n in design.collections if n != output]}}
                  for output in made}
    schema = {"type": "object", "properties": properties, "required": made}
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": intro}], schema


COMPONENT_QUESTION = """Project: {name}. {description}

Requirement {rid} {title}: {statement}
It makes {output} ({fields}). Its examples give it: {given}.

Other requirements make:
{others}

Which collections must {output} be made from? Choose among: {choices}.
Where the requirement uses a notion that one of the other requirements makes (a condition, a status, a
total), choose that collection instead of working it out again from its sources."""


def component_question(project: Project | None, requirements: list[Requirement], design: Design,
                       name: str) -> tuple[list[dict], dict]:
    """The messages and JSON schema asking which collections one component reads: those its examples give,
    or what other requirements make (none downstream of it)."""
    component = design.component(name)
    output = component.writes[0]
    mine = [r for r in requirements if r.id in component.requirements]
    given = sorted({g for r in mine for e in r.visible_examples if output in e.then for g in e.given})
    downstream = _downstream(design, output)
    others = []
    for other in design.flow():
        if other.name == name or other.writes[0] in downstream:
            continue
        made_by = [r for r in requirements if r.id in other.requirements]
        others.append(f"- {other.writes[0]} ({', '.join(design.collections[other.writes[0]].fields)}): "
                      + "; ".join(f"{r.id} {r.title}: {' '.join(r.statement.split())}" for r in made_by))
    choices = given + [o.writes[0] for o in design.flow() if o.name != name and o.writes[0] not in downstream]
    text = COMPONENT_QUESTION.format(
        name=project.name if project else "an app", description=" ".join((project.description or "").split()) if project else "",
        rid=", ".join(r.id for r in mine), title="; ".join(r.title for r in mine),
        statement=" ".join(" ".join(r.statement.split()) for r in mine), output=output,
        fields=", ".join(design.collections[output].fields), given=", ".join(given) or "nothing",
        others="\n".join(others) or "(nothing)", choices=", ".join(choices))
    schema = {"type": "object", "properties": {"reads": {"type": "array", "items": {"type": "string", "enum": choices}}},
              "required": ["reads"]}
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}], schema


def _downstream(design: Design, collection: str) -> set[str]:
    """The collections made, directly or not, from this one (itself included)."""
    found, queue = set(), [collection]
    while queue:
        name = queue.pop()
        if name in found:
            continue
        found.add(name)
        queue.extend(c.writes[0] for c in design.components if name in c.reads)
    return found


def _ask_votes(model: ChatModel, messages: list[dict], schema: dict, votes: int,
               max_tokens: int) -> tuple[list[dict], Cost]:
    """The same question asked `votes` times, the first at temperature 0, the others sampled with their own
    seed, back to back so the embedded model reads the prompt once: the parsed answers and their cost."""
    answers, cost = [], Cost()
    with model.turn():
        for number in range(max(1, votes)):
            options = CallOptions(max_tokens=max_tokens, temperature=0.0 if number == 0 else VOTE_TEMPERATURE, seed=number)
            answer = model.complete(messages, schema, options=options)
            cost += Cost(answer.usage.prompt_tokens, answer.usage.completion_tokens, answer.seconds, 1)
            answers.append(answer.parsed)
    return answers, cost


def _settled(design: Design, counts: dict[str, Counter], votes: int, usage: Cost) -> ChosenReads:
    """What most of the `votes` answers chose for each component, checked."""
    chosen = {name: sorted(c for c, n in count.items() if 2 * n > votes) for name, count in counts.items()}
    tally = {name: dict(count) for name, count in counts.items()}
    return ChosenReads(checked(design, chosen, tally), tally, votes, usage)


def choose_reads_by_component(model: ChatModel, project: Project | None, requirements: list[Requirement],
                              design: Design, votes: int = 3) -> ChosenReads:
    """As choose_reads, asking about one component at a time, in build order."""
    counts: dict[str, Counter] = {}
    usage = Cost()
    for component in design.flow():
        messages, schema = component_question(project, requirements, design, component.name)
        answers, cost = _ask_votes(model, messages, schema, votes, max_tokens=80)
        usage += cost
        counts[component.name] = Counter(read for answer in answers for read in set(answer.get("reads") or []))
    return _settled(design, counts, votes, usage)

PAIR_QUESTION = """Requirement {rid} {title}: {statement}

Requirement {other_id} {other_title} makes {made} ({fields}): {other_statement}

Does {rid} use what {other_id} makes: a notion it defines, or its results? Answer with {{"uses": true}} or
{{"uses": false}}."""
PAIR_SCHEMA = {"type": "object", "properties": {"uses": {"type": "boolean"}}, "required": ["uses"]}


def _said(requirements: list[Requirement]) -> tuple[str, str, str]:
    return (", ".join(r.id for r in requirements), "; ".join(r.title for r in requirements),
            " ".join(" ".join(r.statement.split()) for r in requirements))


def choose_reads_by_pair(model: ChatModel, project: Project | None, requirements: list[Requirement], design: Design,
                         votes: int = 3) -> ChosenReads:
    """For each component and each collection another component makes, a yes or no: does its requirement use
    what the other makes? A made collection most answers say yes to is read, besides the collections its
    examples give; the others are left to the words (the design's own made reads are replaced)."""
    usage, tally, chosen = Cost(), {}, {}
    for component in design.flow():
        mine = [r for r in requirements if r.id in component.requirements]
        rid, title, statement = _said(mine)
        tally[component.name] = {}
        for other in design.flow():
            if other.name == component.name:
                continue
            made = other.writes[0]
            other_id, other_title, other_statement = _said([r for r in requirements if r.id in other.requirements])
            text = PAIR_QUESTION.format(rid=rid, title=title, statement=statement, other_id=other_id,
                                        other_title=other_title, made=made, fields=", ".join(design.collections[made].fields),
                                        other_statement=other_statement)
            messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]
            answers, cost = _ask_votes(model, messages, PAIR_SCHEMA, votes, max_tokens=12)
            usage += cost
            tally[component.name][made] = sum(bool(answer.get("uses")) for answer in answers)
        sources = [r for r in component.reads if design.writer_of(r) is None]
        chosen[component.name] = sources + [m for m, n in tally[component.name].items() if 2 * n > votes]
    return ChosenReads(checked(design, chosen, tally), tally, votes, usage)


def choose_reads(model: ChatModel, project: Project | None, requirements: list[Requirement], design: Design,
                 votes: int = 3) -> ChosenReads:
    """Ask the model `votes` times which collections each component reads, and settle it by majority."""
    messages, schema = reads_question(project, requirements, design)
    answers, usage = _ask_votes(model, messages, schema, votes, max_tokens=60 + 25 * len(design.components))
    counts = {c.name: Counter(read for answer in answers for read in set(answer.get(c.writes[0]) or []))
              for c in design.components}
    return _settled(design, counts, votes, usage)


def checked(design: Design, chosen: dict[str, list[str]], votes: dict[str, dict[str, int]] | None = None) -> dict[str, list[str]]:
    """The reads with what cannot be right taken out: a component's own output; a read that makes components
    read each other in a circle (of those in the circle, the one fewest answers chose goes first); and for a
    component left with nothing to read, the collections its design had."""
    reads = {c.name: [r for r in chosen.get(c.name, []) if r not in c.writes and r in design.collections]
             for c in design.components}
    for component in design.components:
        if not reads[component.name]:
            reads[component.name] = list(component.reads)
    while (cycle := with_reads(design, reads).has_cycle()) is not None:
        trial, circle = with_reads(design, reads), set(cycle)
        edges = [(name, r) for name in circle for r in reads[name]
                 if (w := trial.writer_of(r)) is not None and w.name in circle]
        name, read = min(edges, key=lambda edge: ((votes or {}).get(edge[0], {}).get(edge[1], 0), edge))
        reads[name] = [r for r in reads[name] if r != read]
    return reads


def with_reads(design: Design, reads: dict[str, list[str]]) -> Design:
    return design.model_copy(update={"components": [c.model_copy(update={"reads": sorted(reads[c.name])})
                                                    for c in design.components]})

"""What else of the project a component's prompt shows: the statements it depends on and the words' meanings.

A requirement rarely stands alone. "The number of fever readings" means the fever another requirement
defines; "the visits with a grade C" the grade another one works out. So besides its own requirements, a
component is shown:

- the statements of the requirements that make what it reads, and of those whose notions its statement
  borrows (a word of the other requirement's output, not a word every requirement shares because it names
  the raw data), leaving out those that use what it makes;
- the project's description, cut short;
- the glossary's description of each field, beside the field.

Prompts stay short: the embedded model reads 65-130 tokens a second, and every candidate and repair
reads this again.
"""

from __future__ import annotations

import re

from reqs.words import notion_words
from specs.design import Design
from specs.infer import raw_words

DESCRIPTION_WORDS = 30  # of the project's first sentence, at most: the setting, not the requirements again
BORROWED_AT_MOST = 3    # statements shown for the notions a statement borrows


def related_requirements(design: Design, component: str, requirements: list[dict]) -> list[dict]:
    """The other requirements a component depends on: those that make what it reads, then those whose
    notions its statements borrow (most shared words first). A requirement served downstream of it, one
    that uses what it makes, defines nothing it needs: "the refill plan" uses the refill alert."""
    mine = design.component(component)
    serving = [r for r in requirements if r["id"] in mine.requirements]
    downstream = _downstream(design, component)
    others = [r for r in requirements if r["id"] not in mine.requirements and r["id"] not in downstream]
    writers = {w for name in mine.reads if (c := design.writer_of(name)) is not None for w in c.requirements}
    making = [r for r in others if r["id"] in writers]
    raw = raw_words(design.collections)  # shared by every statement, they link nothing
    # a word the names of its inputs already say is the notion of those inputs ("refill" of refill_alerts)
    own = notion_words(" ".join(r["statement"] for r in serving)) - raw - notion_words(" ".join(mine.reads))
    shared = []
    for requirement in others:
        if requirement in making:
            continue
        if common := own & (notion_words(" ".join(_made_for(design, requirement["id"]))) - raw):
            shared.append((len(common), requirement))
    shared.sort(key=lambda pair: -pair[0])
    return making + [r for _, r in shared[:BORROWED_AT_MOST]]


def _made_for(design: Design, requirement: str) -> list[str]:
    """The collections the components serving a requirement write."""
    return sorted({name for c in design.components if requirement in c.requirements for name in c.writes})


def _downstream(design: Design, component: str) -> set[str]:
    """The requirements served by the components that read, at any remove, what this one writes."""
    made, found, grew = set(design.component(component).writes), set(), True
    while grew:
        grew = False
        for other in design.components:
            if other.name != component and set(other.reads) & made and not set(other.writes) <= made:
                made |= set(other.writes)
                found |= set(other.requirements)
                grew = True
    return found


def project_lines(project: dict | None, design: Design, component: str, requirements: list[dict]) -> str:
    """The lines shown before the inputs: the project, and the statements this component depends on."""
    lines = []
    description = " ".join(((project or {}).get("description") or "").split())
    if description:
        words = re.split(r"(?<=[.!?])\s", description, maxsplit=1)[0].split()
        lines.append("About the project: " + " ".join(words[:DESCRIPTION_WORDS]) + (" ..." if len(words) > DESCRIPTION_WORDS else ""))
    related = related_requirements(design, component, requirements)
    if related:
        lines.append("Other requirements of the project, for what their words mean here:")
        for requirement in related:
            makes = _made_for(design, requirement["id"])
            lines.append(f"- {requirement['id']} {requirement['title']}: {' '.join(requirement['statement'].split())}"
                         + (f" (this makes {', '.join(makes)})" if makes else ""))
    return "\n".join(lines) + "\n\n" if lines else ""


def field_notes(project: dict | None, collection: str) -> dict[str, str]:
    """The glossary's description of each field of a collection that has one and says more than the name
    ("Facility id" for facid, "Surname" for surname say nothing new)."""
    declared = ((project or {}).get("collections") or {}).get(collection) or {}
    notes = {}
    for field, spec in (declared.get("fields") or {}).items():
        note = " ".join(spec.get("description", "").split()) if isinstance(spec, dict) else ""
        named = notion_words(f"{collection} {field}") | {field.replace("_", "")[:5]}
        if note and not notion_words(note) <= named and re.sub(r"\W", "", note.lower()) != field.replace("_", ""):
            notes[field] = note
    return notes

"""The data-oriented design: named collections, and stateless components coupled only through them."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from reqs.fieldtypes import FieldType
from reqs.model import NAME_PATTERN

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
DESIGN_FILE = "specs/design.yaml"


class CollectionDesign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: bool = False
    fields: dict[Name, FieldType]
    description: str = ""


class ComponentDesign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    path: str
    reads: list[Name]
    writes: Annotated[list[Name], Field(min_length=1)]
    requirements: list[str]

    @staticmethod
    def path_for(name: str) -> str:
        return f"app/components/{name}.py"


class Design(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collections: dict[Name, CollectionDesign]
    components: list[ComponentDesign]

    @property
    def sources(self) -> list[str]:
        return [name for name, c in self.collections.items() if c.source]

    @property
    def derived(self) -> list[str]:
        return [name for name, c in self.collections.items() if not c.source]

    def component(self, name: str) -> ComponentDesign:
        return next(c for c in self.components if c.name == name)

    @property
    def keys(self) -> dict[str, str]:
        """Source collection -> the field it is keyed by, for those that have one (tanks: tank_id)."""
        return {name: key for name in self.sources if (key := key_field(name, list(self.collections[name].fields)))}

    def writer_of(self, collection: str) -> ComponentDesign | None:
        return next((c for c in self.components if collection in c.writes), None)

    def flow(self) -> list[ComponentDesign]:
        """Components in an order where each runs after the components it reads from.

        Raises graphlib.CycleError when components read each other in a circle.
        """
        graph = {
            component.name: {w.name for r in component.reads if (w := self.writer_of(r)) is not None and w.name != component.name}
            for component in self.components
        }
        order = list(TopologicalSorter(graph).static_order())
        return [self.component(name) for name in order]

    def has_cycle(self) -> list[str] | None:
        try:
            self.flow()
        except CycleError as error:
            return list(error.args[1])
        return None


def key_field(collection: str, fields: list[str]) -> str | None:
    """The field a collection is keyed by, as people usually name it: its first field, named after one of its
    records and ending in _id (tanks: tank_id, children: child_id, cities: city_id). A reading's tank_id then
    names a tank, and the built app checks that the tank exists."""
    if not fields or not fields[0].endswith("_id"):
        return None
    one = fields[0].removesuffix("_id")
    stem = one[:-1] if one.endswith("y") else one
    return fields[0] if stem and collection.startswith(stem) and len(collection) - len(one) <= 3 else None


def served_by(component: ComponentDesign, titles: dict[str, str]) -> str:
    """The requirements a component serves, with their titles: "REQ-003 Refill plan"."""
    return "; ".join(f"{r} {titles.get(r, '')}".strip() for r in component.requirements)


def reads_in_words(design: Design, titles: dict[str, str]) -> list[str]:
    """What each component is made from, a sentence each, for the person approving the design:
    "To make the refill plan (REQ-003 Refill plan), shall uses the refill alerts (from REQ-002) and the tanks."
    `titles`: requirement id -> title."""
    def named(collection: str) -> str:
        return "the " + collection.replace("_", " ")

    def made_from(collection: str) -> str:
        writer = design.writer_of(collection)
        return named(collection) + (f" (from {', '.join(writer.requirements)})" if writer and writer.requirements else "")

    sentences = []
    for component in design.flow():
        served = served_by(component, titles)
        inputs = [made_from(r) for r in component.reads]
        uses = (", ".join(inputs[:-1]) + " and " + inputs[-1]) if len(inputs) > 1 else (inputs[0] if inputs else "nothing")
        sentences.append(f"To make {named(component.writes[0])} ({served}), shall uses {uses}.")
    return sentences

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

"""The requirement model: the project file, requirements, examples and collections.

These pydantic models check structure only. Checks that need more than one
file (duplicate ids, records against the glossary, field types across
examples) live in `reqs.checks`, where every finding gets a line number.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from reqs.fieldtypes import FIELD_TYPES, suggest_type

ID_PATTERN = r"^[A-Z][A-Z0-9]*-[0-9]+$"
_ID_AT_START = re.compile(ID_PATTERN.removesuffix("$"))
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

NO_OUTPUT = (
    "names no output: under 'then:' write the collection it should produce and the records "
    "you expect, for example `then: {refill_alerts: []}` when nothing should come out"
)

Priority = Literal["must", "should", "could"]
PRIORITIES: tuple[str, ...] = ("must", "should", "could")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
RequirementId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=ID_PATTERN)]


def id_from_file_name(name: str) -> str | None:
    """The requirement id a file name starts with ("WT-001-refill.yaml" -> "WT-001"), or None."""
    found = _ID_AT_START.match(name)
    return found.group(0) if found else None


def _scalar(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        raise PydanticCustomError(
            "not_a_value",
            "should be a single value (text, a number, true/false or a date), not a {kind}",
            {"kind": "list" if isinstance(value, list) else "mapping"},
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("not_a_value", "should be an ordinary number, not {value}", {"value": str(value)})
    return value


Value = Annotated[Any, AfterValidator(_scalar)]
Record = dict[Name, Value]
Collections = Annotated[dict[Name, list[Record]], BeforeValidator(lambda v: {} if v is None else v)]


def _known_priority(value: Any) -> Any:
    """Accept `Must` or ` should `; anything else is left as written so the error shows it."""
    if isinstance(value, str) and value.strip().lower() in PRIORITIES:
        return value.strip().lower()
    return value


def _empty_text(value: Any) -> Any:
    return "" if value is None else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


class FieldSpec(_Strict):
    type: str
    description: Annotated[str, BeforeValidator(_empty_text)] = ""
    required: bool = True  # the built app refuses a record of a source collection that leaves the field empty

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"type": data} if isinstance(data, str) else data  # `level_pct: number`

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, value: Any) -> str:
        word = str(value).strip()
        if word.lower() in FIELD_TYPES:
            return word.lower()
        suggestion = suggest_type(word)
        hint = f"did you mean '{suggestion}'? " if suggestion else ""
        raise PydanticCustomError(
            "unknown_field_type",
            "unknown field type '{word}'; {hint}use one of " + ", ".join(FIELD_TYPES),
            {"word": word, "hint": hint},
        )


class CollectionSpec(_Strict):
    description: Annotated[str, BeforeValidator(_empty_text)] = ""
    fields: Annotated[dict[Name, FieldSpec], Field(min_length=1)]


class Project(_Strict):
    name: Text
    description: Annotated[str, BeforeValidator(_empty_text)] = ""
    collections: Annotated[dict[Name, CollectionSpec], BeforeValidator(lambda v: {} if v is None else v)] = {}


class Example(_Strict):
    name: Text
    given: Collections
    then: Collections
    holdout: bool = False
    ordered: bool = False

    @field_validator("then")
    @classmethod
    def _names_an_output(cls, value: dict[str, list[Record]]) -> dict[str, list[Record]]:
        if not value:
            raise PydanticCustomError("no_output", NO_OUTPUT)
        return value

    @model_validator(mode="after")
    def _inputs_are_not_outputs(self) -> Example:
        both = sorted(set(self.given) & set(self.then))
        if both:
            raise PydanticCustomError(
                "input_is_output",
                "'{name}' is under both 'given' and 'then'; a collection is either data you give or a result you expect",
                {"name": both[0]},
            )
        return self

    def records(self) -> list[tuple[str, str, int, dict[str, Any]]]:
        """Every record as (section, collection, index, record), in file order."""
        return [
            (section, collection, index, record)
            for section, collections in (("given", self.given), ("then", self.then))
            for collection, records in collections.items()
            for index, record in enumerate(records)
        ]


class Requirement(_Strict):
    id: RequirementId
    title: Text
    statement: Text
    priority: Annotated[Priority, BeforeValidator(_known_priority)] = "must"
    examples: Annotated[list[Example], Field(min_length=1)]

    @property
    def visible_examples(self) -> list[Example]:
        return [example for example in self.examples if not example.holdout]

    @property
    def holdout_examples(self) -> list[Example]:
        return [example for example in self.examples if example.holdout]


def id_number(requirement_id: str) -> tuple[str, int]:
    """("REQ", 7) for "REQ-007"."""
    prefix, _, number = requirement_id.rpartition("-")
    return prefix, int(number)


def slug_name(text: str) -> str:
    """A usable collection or field name made from what a person wrote: "Tank ID" -> "tank_id"."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"x_{slug}" if slug else "name"
    return slug

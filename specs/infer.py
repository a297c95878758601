"""Infer a first design from the requirements alone, with no model.

Names and schemas come from the glossary and the examples. Each derived
collection gets one component, which reads the collections its visible
examples are given (held-out examples check the build and never shape it),
plus any derived collection its requirement's statement names (a refill
plan "for each tank with a refill alert" reads refill_alerts), whose notion
it borrows (a vet visit "for a cow with a fever on two days" reads
fever_alerts: "fever" is what that name says beyond the raw data) or whose
added field it uses ("the delivery's grade" reads graded_deliveries). The model
then only has to judge what this cannot: splits, merges, helpers and the
component bodies.
"""

from __future__ import annotations

import re
from collections import defaultdict

from reqs.fieldtypes import infer
from reqs.model import Project, Requirement
from reqs.words import notion_words
from specs.design import CollectionDesign, ComponentDesign, Design


def infer_design(project: Project | None, requirements: list[Requirement]) -> Design:
    given: dict[str, set[str]] = defaultdict(set)  # derived collection -> collections its visible examples give
    producers: dict[str, list[str]] = defaultdict(list)  # derived collection -> requirement ids, in order
    order: list[str] = []
    for requirement in requirements:
        for example in requirement.examples:
            for name in [*example.given, *example.then]:
                if name not in order:
                    order.append(name)
            for name in example.then:
                if not example.holdout:  # held-out examples check the build; they never shape it
                    given[name].update(example.given)
                if requirement.id not in producers[name]:
                    producers[name].append(requirement.id)
    declared = project.collections if project else {}
    collections = {
        name: CollectionDesign(
            source=name not in producers,
            fields=_fields(name, requirements, declared),
            description=declared[name].description if name in declared else "",
        )
        for name in [*declared, *[n for n in order if n not in declared]]
    }
    statements = {r.id: r.statement for r in requirements}
    texts_of = {name: [statements[r] for r in ids] for name, ids in producers.items()}
    named = {name: {other for other in producers if other != name and any(_names(other, text) for text in texts)}
             for name, texts in texts_of.items()}
    borrowing = _borrowing(texts_of, raw_words(collections))
    links = {name: named[name] | set(borrowing[name]) for name in producers}
    components = []
    for name in [n for n in order if n in producers]:
        texts = texts_of[name]
        chained = named[name] | _notions_borrowed(name, named[name], borrowing[name], links)
        # A statement may also use what another requirement works out without naming its collection:
        # "the delivery's grade" is a field graded_deliveries adds to deliveries, "39 weeks old" one child_ages adds.
        standing_in: dict[str, str] = {}  # source -> the derived collection its mentions mean here
        own_units = {w for g in given[name] for f in collections[g].fields for w in f.split("_")}
        for other in producers:
            if other == name or other in chained:
                continue
            adds = set(collections[other].fields) - {f for g in given[other] for f in collections[g].fields}
            for text in texts:
                if (source := _owner_of_added_field(text, adds, given[other] & given[name], own_units)) is not None:
                    chained.add(other)
                    if source:
                        standing_in[source] = other
        # A collection the chained ones are made from is left out unless the statement itself speaks of it
        # ("a tank's latest level" means latest_levels; the raw levels only invite working it out again),
        # or it alone holds a field of the output.
        upstream = set().union(*(given[other] for other in chained)) if chained else set()
        covered = {f for other in chained for f in collections[other].fields}
        left_out = {source for source in given[name] & upstream
                    if (source in standing_in or not any(_names(source, _without(text, chained)) for text in texts))
                    and not (set(collections[name].fields) - covered) & set(collections[source].fields)}
        reads = sorted((given[name] - left_out) | chained)
        components.append(ComponentDesign(
            name=f"make_{name}", path=ComponentDesign.path_for(f"make_{name}"),
            reads=reads, writes=[name], requirements=producers[name],
        ))
    return _without_cycles(Design(collections=collections, components=components), given)


def _borrowing(texts_of: dict[str, list[str]], raw: set[str]) -> dict[str, dict[str, set[str]]]:
    """For each derived collection, the others whose notion its statements borrow, with the words that say so.

    A statement may borrow the notion another requirement defines without naming its output in full:
    "a fever on two or more days" uses the fever alerts. The notion is what the other output's name says
    beyond the raw data and beyond the borrower's own name ("fever" of fever_alerts; "cow" or "reading"
    link nothing).
    """
    borrowing = {}
    for name, texts in texts_of.items():
        said = notion_words(" ".join(texts)) - raw
        words = {other: (notion_words(other) - raw - notion_words(name)) & said for other in texts_of if other != name}
        borrowing[name] = {other: found for other, found in words.items() if found}
    return borrowing


def _notions_borrowed(name: str, named: set[str], matched: dict[str, set[str]], links: dict[str, set[str]]) -> set[str]:
    """The collections whose notion the statement of `name` borrows, each the one that explains its words.

    A wider match explains a narrower one: "high blood pressure" is high_pressure_visits', not
    village_pressure's, whose only word beyond the raw data is part of it. On the same words, the notion is
    where it comes from: a fever count by barn made from the fever alerts says "fever" because they do.
    `matched` is what `name` borrows, with the words; `links`, every collection's named and borrowed ones.
    """
    def upstream(collection: str) -> set[str]:
        seen, todo = set(), [collection]
        while todo:
            for read in links[todo.pop()]:
                if read not in seen:
                    seen.add(read)
                    todo.append(read)
        return seen

    def explained(other: str) -> bool:
        for wider in (set(matched) | named) - {other}:
            words = matched.get(wider, set())
            if matched[other] < words:
                return True
            if matched[other] == words and wider in upstream(other) and other not in upstream(wider):
                return True
        return False

    return {other for other in matched if not explained(other)}


def raw_words(collections: dict[str, CollectionDesign]) -> set[str]:
    """The notion words of the raw data: the source collections' names and their fields'. Every statement
    speaks of them, so they link no requirement to another."""
    return notion_words(" ".join(f"{name} {' '.join(c.fields)}" for name, c in collections.items() if c.source))


def _fields(name: str, requirements: list[Requirement], declared: dict) -> dict[str, str]:
    if name in declared:
        return {field: spec.type for field, spec in declared[name].fields.items()}
    types: dict[str, str | None] = {}
    for requirement in requirements:
        for example in requirement.examples:
            for record in [*example.given.get(name, []), *example.then.get(name, [])]:
                for field, value in record.items():
                    seen, current = infer(value), types.get(field)
                    if current is None:
                        types[field] = seen
                    elif {current, seen} == {"integer", "number"}:
                        types[field] = "number"
                    # any other disagreement is reported by validation; the first type stands
    return {field: found or "text" for field, found in types.items()}


def _names(collection: str, statement: str) -> bool:
    """Whether a statement speaks of a collection: "refill alert" names refill_alerts."""
    text = re.sub(r"[^a-z0-9]+", " ", statement.lower())
    return any(re.search(rf"\b{' '.join(form)}\b", text) for form in _forms(collection))


def _owner_of_added_field(statement: str, adds: set[str], sources: set[str], own_units: set[str]) -> str | None:
    """Whether a statement speaks of a field another component adds, and the source it hangs it on.

    "the delivery's grade", "deliveries are grade C" or "the grade of the delivery" name the field and
    its source (deliveries);
    "39 weeks old" names a measure in the unit of a field (age_weeks) and no source (""), unless what the
    statement's own data holds has a field in that unit: "above 39.5 °C" over readings with temp_c is a
    reading's temperature, not the max_temp_c a daily summary adds.
    """
    text = re.sub(r"[^a-z0-9]+", " ", statement.lower())
    for field in adds:
        phrase = field.replace("_", " ")
        for source in sorted(sources):
            for form in _forms(source):
                noun = " ".join(form)
                if any(re.search(pattern, text) for pattern in (
                        rf"\b{noun} s {phrase}\b", rf"\b{noun} (is|are|was|were) {phrase}\b",
                        rf"\b{phrase} of (the |each |a |an |its |their )?{noun}\b")):
                    return source
        if any(re.search(rf"\b\d+ {word}\b", text) for word in field.split("_")
               if word not in GENERIC_WORDS and word not in own_units):
            return ""
    return None


# Words of a field name that say nothing about which notion it holds.
GENERIC_WORDS = {"id", "name", "date", "on", "at", "count", "total", "number", "of", "per", "pct", "is", "has"}


def _without(statement: str, collections: set[str]) -> str:
    """The statement with the phrases naming these collections taken out."""
    text = re.sub(r"[^a-z0-9]+", " ", statement.lower())
    for collection in collections:
        for form in _forms(collection):
            text = re.sub(rf"\b{' '.join(form)}\b", " ", text)
    return text


def _forms(collection: str) -> tuple[list[str], list[str]]:
    words = collection.split("_")
    return words, [*words[:-1], re.sub(r"(ies|s)$", lambda m: "y" if m.group(1) == "ies" else "", words[-1])]


def _without_cycles(design: Design, given: dict[str, set[str]]) -> Design:
    """Drop guessed chains that would make components read each other in a circle."""
    while (cycle := design.has_cycle()) is not None:
        component = design.component(cycle[0])
        guessed = [r for r in component.reads if r not in given[component.writes[0]] and design.writer_of(r) is not None]
        if not guessed:
            break
        keep = [r for r in component.reads if r != guessed[0]]
        design = design.model_copy(update={"components": [
            c.model_copy(update={"reads": keep}) if c.name == component.name else c for c in design.components
        ]})
    return design

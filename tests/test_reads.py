"""What each component reads, chosen by a (scripted) model, settled by vote and checked."""

from __future__ import annotations

import re
from pathlib import Path

from agents.models.fake import ScriptedModel
from agents.reads import (checked, choose_reads, choose_reads_by_component, choose_reads_by_pair, component_question,
                          reads_question)
from reqs.workspace import load_workspace
from specs.infer import infer_design

FEEDING = Path(__file__).resolve().parent.parent / "bench" / "workspaces" / "school-feeding"


def feeding():
    loaded = load_workspace(FEEDING)
    return loaded, infer_design(loaded.project, loaded.requirements)


def answer(**reads):
    base = {"fed_pupils": ["meals"], "class_rates": ["pupils", "meals"], "missed_meals": ["pupils", "meals"],
            "maize_used": ["meals"]}
    return {**base, **reads}


def test_the_question_shows_every_collection_and_what_makes_it_and_allows_only_real_names():
    loaded, design = feeding()
    messages, schema = reads_question(loaded.project, loaded.requirements, design)
    asked = messages[-1]["content"]
    assert "- fed_pupils: pupil_id, served_on. Made by REQ-001 Fed pupils: For each school day" in asked
    assert "- meals: pupil_id, served_on, portion. Every portion served" in asked
    assert set(schema["required"]) == {"fed_pupils", "class_rates", "missed_meals", "maize_used"}
    allowed = schema["properties"]["class_rates"]["items"]["enum"]
    assert "class_rates" not in allowed and {"fed_pupils", "pupils", "meals"} <= set(allowed)


def test_a_read_most_answers_choose_is_kept_and_one_only_a_few_choose_is_not():
    loaded, design = feeding()
    model = ScriptedModel(answer(class_rates=["pupils", "meals", "fed_pupils"]),
                          answer(class_rates=["pupils", "fed_pupils", "maize_used"]),
                          answer(class_rates=["pupils", "meals"]))
    chosen = choose_reads(model, loaded.project, loaded.requirements, design, votes=3)
    assert chosen.reads["make_class_rates"] == ["fed_pupils", "meals", "pupils"]
    assert chosen.votes["make_class_rates"] == {"pupils": 3, "meals": 2, "fed_pupils": 2, "maize_used": 1}
    assert chosen.usage.calls == 3 and chosen.usage.tokens > 0
    assert [call.options.temperature for call in model.history] == [0.0, 0.7, 0.7]
    assert len({call.options.seed for call in model.history}) == 3


def test_reads_that_would_go_round_in_a_circle_lose_the_least_sure_one():
    _, design = feeding()
    chosen = {"make_fed_pupils": ["meals", "missed_meals"], "make_missed_meals": ["pupils", "fed_pupils"],
              "make_class_rates": ["class_rates"], "make_maize_used": []}
    votes = {"make_fed_pupils": {"meals": 3, "missed_meals": 2}, "make_missed_meals": {"pupils": 3, "fed_pupils": 3}}
    reads = checked(design, chosen, votes)
    assert reads["make_fed_pupils"] == ["meals"] and reads["make_missed_meals"] == ["pupils", "fed_pupils"]
    assert reads["make_class_rates"] == design.component("make_class_rates").reads, \
        "reading only its own output is no read at all: the design's reads stand"
    assert reads["make_maize_used"] == ["meals"]


def test_a_component_is_asked_about_what_its_examples_give_and_what_others_make_upstream_of_it():
    loaded, design = feeding()
    messages, schema = component_question(loaded.project, loaded.requirements, design, "make_fed_pupils")
    asked = messages[-1]["content"]
    assert "It makes fed_pupils (pupil_id, served_on). Its examples give it: meals." in asked
    assert "- maize_used (served_on, kg): REQ-004 Maize used:" in asked
    # class_rates and missed_meals read fed_pupils ("the pupils who were fed"): offering them would make a circle
    assert schema["properties"]["reads"]["items"]["enum"] == ["meals", "maize_used"]


def test_asking_component_by_component_votes_the_same_way():
    loaded, design = feeding()
    said = {"make_fed_pupils": ["meals"], "make_class_rates": ["pupils", "fed_pupils", "meals"],
            "make_missed_meals": ["pupils", "fed_pupils"], "make_maize_used": ["meals"]}
    by_component = [said[c.name] for c in design.flow() for _ in range(3)]
    model = ScriptedModel(*[{"reads": reads} for reads in by_component])
    chosen = choose_reads_by_component(model, loaded.project, loaded.requirements, design, votes=3)
    assert {n: sorted(r) for n, r in chosen.reads.items()} == {n: sorted(r) for n, r in said.items()}
    assert chosen.usage.calls == 12


def test_asked_pair_by_pair_a_made_collection_most_say_yes_to_is_read_besides_the_given_sources():
    loaded, design = feeding()
    uses = {("REQ-002", "REQ-001"), ("REQ-003", "REQ-001")}

    def say(messages):
        asked = re.search(r"Does (REQ-\d+) use what (REQ-\d+) makes", messages[-1]["content"]).groups()
        return {"uses": asked in uses}

    model = ScriptedModel(*[say] * 36)
    chosen = choose_reads_by_pair(model, loaded.project, loaded.requirements, design, votes=3)
    assert sorted(chosen.reads["make_class_rates"]) == ["fed_pupils", "meals", "pupils"]
    # the design's own sources: "the pupils who were fed" reads fed_pupils in place of the meals it is made from
    assert sorted(chosen.reads["make_missed_meals"]) == ["fed_pupils", "pupils"]
    assert chosen.reads["make_maize_used"] == ["meals"] and chosen.votes["make_class_rates"]["fed_pupils"] == 3
    assert chosen.usage.calls == 36

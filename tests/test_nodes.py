"""The build graph's nodes one at a time, on a hand-built state; then the approval flow on an in-memory checkpointer."""

from __future__ import annotations

import sqlite3
import textwrap
from dataclasses import dataclass

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.runtime import Runtime
from langgraph.types import Command, Send

from agents import nodes, writing
from agents.build import checkpoints
from agents.events import Step
from agents.graph import build_graph
from agents.models.fake import ScriptedModel
from agents.progress import Candidate, Progress, Scored, Cost, merge_progress
from agents.state import BuildContext, Failing, Resample, Revision
from agents.writing import work_for
from reqs.workspace import load_workspace
from specs.infer import infer_design
from tests.helpers import WATER_TANKS, WRONG, answers, right, workspace


def python(name: str, number: int = 0) -> Candidate:
    return Candidate("python", number, textwrap.dedent(WATER_TANKS[name]).strip() + "\n")


def wrong(number: int) -> Candidate:
    return Candidate("python", number, WRONG)


@pytest.fixture
def state(tmp_path):
    """The state a build of water-tanks is in once its design is approved and nothing is written yet."""
    root = workspace(tmp_path)
    loaded = load_workspace(root)
    design = infer_design(loaded.project, loaded.requirements)
    stale = [c.name for c in design.flow()]
    return {"root": str(root), "project_name": loaded.project.name, "project": loaded.project.model_dump(),
            "requirements": [r.model_dump() for r in loaded.requirements], "design": design.model_dump(),
            "stale": stale, "pending": stale, "wave": [], "progress": {}, "upstream": {}}


def runtime(model=None, **settings) -> tuple[Runtime, list]:
    said = []
    context = BuildContext(model=model or ScriptedModel(), **{"candidates": 1, "languages": ("python",), **settings})
    return Runtime(context=context, stream_writer=said.append), said


def with_progress(state: dict, **progress: Progress) -> dict:
    return {**state, "progress": merge_progress(state["progress"], progress)}


def applied(state: dict, update: dict) -> dict:
    """The state after a node's update, as the graph applies it: progress through its reducer, the rest replaced."""
    return {**state, **update, "progress": merge_progress(state["progress"], update.get("progress"))}


# --- the progress record ------------------------------------------------------------------


def test_progress_updates_add_counts_join_candidates_and_replace_decisions():
    first = Progress(candidates={"python-0": wrong(0)}, attempts=1, usage=Cost(10, 5, 1.0, 1))
    second = Progress(candidates={"sql-0": Candidate("sql", 0, "QUERY")}, attempts=1, usage=Cost(20, 5, 2.0, 1))
    merged = merge_progress(merge_progress({}, {"c": first}), {"c": second})["c"]
    assert set(merged.candidates) == {"python-0", "sql-0"}
    assert (merged.attempts, merged.usage) == (2, Cost(30, 10, 3.0, 2))
    chosen = merge_progress({"c": merged}, {"c": Progress(current=wrong(0), asked_again=1)})["c"]
    assert chosen.current == wrong(0) and chosen.asked_again == 1 and chosen.candidates == merged.candidates
    assert merge_progress({"c": chosen}, {"c": Progress(repairs=1)})["c"].current == wrong(0), "what an update leaves out stays"


def test_a_candidate_is_named_by_what_it_is_and_its_problems_follow_it_as_comments():
    broken = Candidate("sql", 2, "QUERY = 'x'\n", problems=["no SELECT in the answer"])
    assert broken.key == "sql-2" and broken.revision("QUERY = 'y'\n").key == "sql-2-revised"
    assert broken.revision("y").revision("z").key == "sql-2-revised-revised"
    assert broken.text == "QUERY = 'x'\n\n# shall: no SELECT in the answer\n" and "shall:" not in broken.code
    assert sorted([broken.revision("y"), wrong(1), broken, wrong(0)], key=Candidate.order) == [
        wrong(0), wrong(1), broken, broken.revision("y")]


def test_the_checkpoint_store_brings_back_the_builds_records_and_no_other_objects():
    @dataclass
    class Stranger:
        name: str

    serde = checkpoints(sqlite3.connect(":memory:")).serde
    record = {"c": Progress(current=wrong(0), best=Scored(wrong(0), 1, 2), usage=Cost(1, 2, 0.5, 1))}
    assert serde.loads_typed(serde.dumps_typed(record)) == record
    assert not isinstance(serde.loads_typed(serde.dumps_typed(Stranger("x"))), Stranger)


# --- nodes, one at a time -----------------------------------------------------------------


def test_a_wave_holds_the_components_whose_inputs_are_settled(state):
    update = nodes.plan_wave(state, runtime()[0])
    assert update["wave"] == ["make_latest_levels"]
    assert "make_latest_levels" not in update["pending"] and len(update["pending"]) == 3
    sends = nodes.after_plan({**state, **update}, runtime(languages=("python", "sql"))[0])
    # one task per component: its Python and SQL answers are asked for together
    assert [(s.node, s.arg["component"]) for s in sends] == [("generate_component", "make_latest_levels")]


def test_generating_returns_the_candidates_and_what_they_cost(state):
    work = work_for(state, "make_latest_levels")
    run, said = runtime(ScriptedModel(right("make_latest_levels"), "no code at all"), candidates=2)
    progress = nodes.generate_component(work, run)["progress"]["make_latest_levels"]
    assert list(progress.candidates) == ["python-0", "python-1"]
    assert progress.attempts == 2 and progress.usage.calls == 2 and progress.usage.tokens > 0
    broken = progress.candidates["python-1"]
    assert broken.problems and "# shall:" not in broken.code, "problems are a field, not text to parse back"
    assert [e.step for e in said] == [Step.GENERATE, Step.TOKENS, Step.TOKENS, Step.WRITTEN, Step.WRITTEN]  # asked for together, written each
    assert said[0].message == "Writing make_latest_levels in Python, 2 answers at once"
    reading, writing = (e.message for e in said if e.step == Step.TOKENS)  # how far the model is, as it tells
    assert reading.startswith("Writing make_latest_levels: reading the question, ") and " of " in reading
    assert writing.startswith("Writing make_latest_levels: ") and writing.endswith(" tokens written")
    assert {e.component for e in said} == {"make_latest_levels"}


def test_select_keeps_the_candidate_that_passes_and_records_what_it_made(state):
    now = with_progress({**state, "wave": ["make_latest_levels"]}, make_latest_levels=Progress(
        candidates={"python-0": wrong(0), "python-1": python("make_latest_levels", 1)}))
    run, said = runtime()
    update = nodes.select(now, run)
    progress = applied(now, update)["progress"]["make_latest_levels"]
    assert progress.current == python("make_latest_levels", 1) and progress.choice["chosen"] == "python-1"
    assert update["wave"] == [] and update["ask_again"] == []
    assert any("latest_levels" in outputs for outputs in update["upstream"].values()), "later prompts see what it made"
    assert [e.message for e in said if e.step == Step.SELECT] == [progress.choice["sentence"]]


def test_select_asks_again_when_no_candidate_passes_and_only_as_often_as_allowed(state):
    now = with_progress({**state, "wave": ["make_latest_levels"]},
                        make_latest_levels=Progress(candidates={"python-0": wrong(0), "python-1": Candidate("python", 1, "def run(levels):\n    return None\n")}))
    run, _ = runtime(candidates=2)
    update = nodes.select(now, run)
    assert update["ask_again"] == [Resample("make_latest_levels", 1)]
    again = applied(now, update)
    assert [(s.arg["component"], s.arg["first"]) for s in nodes.after_select(again, run)] == [("make_latest_levels", 2)]
    assert nodes.select(again, run)["ask_again"] == [], "after one round, it chooses anyway"


def test_the_test_node_keeps_the_better_version_when_a_repair_made_it_worse(state):
    good = python("make_latest_levels")
    now = with_progress(state, make_latest_levels=Progress(current=wrong(0), best=Scored(good, 1, 1)))
    for name in ("make_refill_alerts", "make_refill_plan", "make_village_refills"):
        now = with_progress(now, **{name: Progress(current=python(name))})
    nodes.render(now, runtime()[0])
    update = nodes.test(now, runtime()[0])
    assert update["progress"]["make_latest_levels"] == Progress(current=good, tested=WRONG)
    alerts = python("make_refill_alerts")  # right, but fed by the wrong latest levels in this run
    assert update["progress"]["make_refill_alerts"] == Progress(best=Scored(alerts, 0, 1), tested=alerts.text)


def test_only_components_whose_inputs_are_right_are_repaired_and_only_so_often(state):
    now = with_progress(state, make_latest_levels=Progress(current=wrong(0)))
    for name in ("make_refill_alerts", "make_refill_plan", "make_village_refills"):
        now = with_progress(now, **{name: Progress(current=python(name))})
    nodes.render(now, runtime()[0])
    now = applied(now, nodes.test(now, runtime()[0]))
    assert nodes.after_test(now, runtime()[0]) == "repair"
    model = ScriptedModel(right("make_latest_levels"))
    update = nodes.repair(now, runtime(model)[0])
    assert list(update["progress"]) == ["make_latest_levels"], "the components downstream fail because of it, so they wait"
    [asked] = model.history
    assert WRONG.strip() in asked.messages[-1]["content"] and "It is wrong on example" in asked.messages[-1]["content"]
    assert update["progress"]["make_latest_levels"].current.code.startswith("def run(levels)")
    used_up = with_progress(now, make_latest_levels=Progress(repairs=3))
    assert nodes.after_test(used_up, runtime(max_repairs=3)[0]) == "finish"


def test_the_failing_components_of_one_test_are_repaired_together_in_one_request(state):
    now = state
    for name in ("make_latest_levels", "make_refill_alerts"):
        now = with_progress(now, **{name: Progress(current=python(name))})
    now = with_progress(now, make_refill_plan=Progress(current=wrong(0)), make_village_refills=Progress(current=wrong(1)))
    nodes.render(now, runtime()[0])
    now = applied(now, nodes.test(now, runtime()[0]))
    model = ScriptedModel(right("make_refill_plan"), right("make_village_refills"))
    together = []
    model.complete_each = lambda questions, told=None, each=model.complete_each: together.append(len(questions)) or \
        each(questions, told)
    update = nodes.repair(now, runtime(model)[0])
    assert together == [2], "both in one request: the embedded model writes them in one batch"
    assert sorted(update["progress"]) == ["make_refill_plan", "make_village_refills"]
    assert all(p.repairs == 1 and p.attempts == 1 and p.current.problems == [] for p in update["progress"].values())


def test_a_repair_shows_the_problems_found_in_the_code(state):
    broken = Candidate("python", 0, WRONG, problems=["it defines no run function"])
    now = with_progress(state, make_latest_levels=Progress(current=broken, attempts=1))
    model = ScriptedModel(right("make_latest_levels"))
    example = state["requirements"][0]["examples"][0]
    failing = Failing(example["name"], example["given"], example["then"], {"actual": None, "problems": ["wrong"]})
    repaired, _ = writing.repaired(model, work_for(now, "make_latest_levels"), failing)
    assert "It has these problems: it defines no run function" in model.history[0].messages[-1]["content"]
    assert repaired.code.startswith("def run(levels)") and (repaired.language, repaired.number) == ("python", 0)


# --- flows on an in-memory checkpointer -----------------------------------------------------


def test_the_build_stops_to_ask_for_approval_and_resumes_with_the_answer(tmp_path):
    root = workspace(tmp_path)
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "one"}}
    context = BuildContext(model=ScriptedModel(*[answers(WATER_TANKS)] * 4), candidates=1, languages=("python",))
    asked = [chunk["__interrupt__"][0].value for chunk in graph.stream({"root": str(root), "only": []}, config, context=context)
             if "__interrupt__" in chunk]
    assert asked[0]["question"] == "approve_design" and "make_refill_alerts" in asked[0]["design"]
    assert graph.get_state(config).next == ("approve",) and not (root / "app").exists(), "nothing is built before the answer"
    graph.invoke(Command(resume=True), config, context=context)
    rows = graph.get_state(config).values["report"]["requirements"]
    assert [(r["examples_passed"], r["examples"]) for r in rows] == [(1, 1)] * 4


def test_a_design_refused_builds_nothing(tmp_path):
    root = workspace(tmp_path)
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "one"}}
    context = BuildContext(model=ScriptedModel(), candidates=1, languages=("python",))
    graph.invoke({"root": str(root), "only": []}, config, context=context)
    with pytest.raises(nodes.DesignRefused):
        graph.invoke(Command(resume=False), config, context=context)
    assert not (root / "app").exists()


def test_after_select_groups_revisions_by_component_and_language(state):
    python_one, sql_one = wrong(0), Candidate("sql", 0, "QUERY = ''\n")
    asked = [Revision("make_latest_levels", c, "an example", {}, [], "but it returned []") for c in (python_one, sql_one)]
    sends = nodes.after_select({**state, "ask_again": asked}, runtime()[0])
    assert all(isinstance(s, Send) and s.node == "revise_candidate" for s in sends)
    assert [[r.candidate.language for r in s.arg["revisions"]] for s in sends] == [["python"], ["sql"]]


def test_a_component_waiting_its_turn_is_not_said_to_be_written(state):
    import threading
    import time

    from agents.writing import first_answers

    def slow(messages):
        time.sleep(0.05)
        return right("make_latest_levels")

    model = ScriptedModel(*[slow] * 4)
    model.serial = threading.RLock()  # as the embedded model: one call at a time
    said = []
    threads = [threading.Thread(target=first_answers, args=(model, work_for(state, name), ("python",), 0, 2, said.append))
               for name in ("make_latest_levels", "make_refill_alerts")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    steps = [(e.step, e.component) for e in said]
    first, second = steps[0][1], steps[5][1]
    assert first != second
    turn = [Step.GENERATE, Step.TOKENS, Step.TOKENS, Step.WRITTEN, Step.WRITTEN]  # how far it is, only in its turn
    assert steps == [(step, first) for step in turn] + [(step, second) for step in turn]


def test_a_components_answers_in_every_language_are_asked_for_together(state):
    def by_language(messages):
        return "SELECT * FROM levels" if "SQL" in messages[0]["content"] else right("make_latest_levels")

    model = ScriptedModel(*[by_language] * 4)
    asked = []
    model.complete_each = lambda questions, told=None: asked.append(len(questions)) or \
        ScriptedModel.complete_each(model, questions, told)
    run, said = runtime(model, candidates=2, languages=("python", "sql"))
    progress = nodes.generate_component(work_for(state, "make_latest_levels"), run)["progress"]["make_latest_levels"]
    assert asked == [2], "one request for both languages' prompts"
    assert list(progress.candidates) == ["python-0", "python-1", "sql-0", "sql-1"]
    assert said[0].message == "Writing make_latest_levels in Python and SQL, 4 answers at once"
    assert [e.step for e in said] == [Step.GENERATE] + [Step.TOKENS] * 2 + [Step.WRITTEN] * 4

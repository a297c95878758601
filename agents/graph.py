"""The build graph: requirements in, a designed, generated and tested app out."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from agents import nodes
from agents.state import BuildContext, BuildState


def build_graph() -> StateGraph:
    """The uncompiled graph; compile it with a checkpointer to run it."""
    graph = StateGraph(BuildState, context_schema=BuildContext)
    graph.add_node("load", nodes.load)
    graph.add_node("changes", nodes.changes)
    graph.add_node("design", nodes.design)
    graph.add_node("approve", nodes.approve)
    graph.add_node("generate_component", nodes.generate_component)
    graph.add_node("render", nodes.render)
    graph.add_node("test", nodes.test)
    graph.add_node("repair_component", nodes.repair_component)
    graph.add_node("finish", nodes.finish)
    graph.add_node("holdouts", nodes.holdouts)
    graph.add_node("report", nodes.report)

    graph.add_edge(START, "load")
    graph.add_edge("load", "changes")
    graph.add_edge("changes", "design")
    graph.add_edge("design", "approve")
    graph.add_conditional_edges("approve", fan_out_generation, ["generate_component", "render"])
    graph.add_edge("generate_component", "render")
    graph.add_edge("render", "test")
    graph.add_conditional_edges("test", nodes.after_test, ["repair_component", "finish"])
    graph.add_edge("repair_component", "render")
    graph.add_edge("finish", "holdouts")
    graph.add_edge("holdouts", "report")
    graph.add_edge("report", END)
    return graph


def fan_out_generation(state: BuildState) -> list:
    stale = state.get("stale") or []
    if not stale:
        return ["render"]
    return [Send("generate_component", nodes._work(state, name)) for name in stale]

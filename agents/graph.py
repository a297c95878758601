"""The build graph: requirements in, a designed, generated and tested app out."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agents import nodes
from agents.state import BuildContext, BuildState


# What the build is doing at each node, in a person's words: where a stopped build carries on.
NODE_DOING = {"load": "reading the requirements", "changes": "reading the requirements", "design": "working out the design",
              "approve": "waiting for the design to be approved", "plan_wave": "writing the code",
              "generate_component": "writing the code", "select": "choosing among the answers",
              "revise_candidate": "writing the code", "render": "testing the app", "test": "testing the app",
              "repair": "repairing the code", "finish": "checking the app", "holdouts": "checking the app",
              "report": "checking the app", "commit": "committing the build"}


def build_graph() -> StateGraph:
    """The uncompiled graph; compile it with a checkpointer to run it."""
    graph = StateGraph(BuildState, context_schema=BuildContext)
    graph.add_node("load", nodes.load)
    graph.add_node("changes", nodes.changes)
    graph.add_node("design", nodes.design)
    graph.add_node("approve", nodes.approve)
    graph.add_node("plan_wave", nodes.plan_wave)
    graph.add_node("generate_component", nodes.generate_component)
    graph.add_node("select", nodes.select)
    graph.add_node("revise_candidate", nodes.revise_candidate)
    graph.add_node("render", nodes.render)
    graph.add_node("test", nodes.test)
    graph.add_node("repair", nodes.repair)
    graph.add_node("finish", nodes.finish)
    graph.add_node("holdouts", nodes.holdouts)
    graph.add_node("report", nodes.report)
    graph.add_node("commit", nodes.commit)

    graph.add_edge(START, "load")
    graph.add_edge("load", "changes")
    graph.add_edge("changes", "design")
    graph.add_edge("design", "approve")
    graph.add_edge("approve", "plan_wave")
    graph.add_conditional_edges("plan_wave", nodes.after_plan, ["generate_component", "render"])
    graph.add_edge("generate_component", "select")
    graph.add_conditional_edges("select", nodes.after_select, ["revise_candidate", "plan_wave"])
    graph.add_edge("revise_candidate", "select")
    graph.add_edge("render", "test")
    graph.add_conditional_edges("test", nodes.after_test, ["repair", "finish"])
    graph.add_edge("repair", "render")
    graph.add_edge("finish", "holdouts")
    graph.add_edge("holdouts", "report")
    graph.add_edge("report", "commit")
    graph.add_edge("commit", END)
    return graph

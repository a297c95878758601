"""`shall build` on the command line: progress on stderr, a table or JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agents.build import only_build, run_build
from agents.events import BuildEvent, Step
from agents.questions import Question
from agents.models import select as models  # looked up when called, so a test can stand a fake in
from reqs.problems import ShallError
from reqs.words import counted
from reqs.workspace import load_workspace
from specs.design import reads_in_words
from specs.designfile import design_from_text
from reqs.atomic import write_atomic
from tui.asking import answer_hint, ask_inline, question_text, questions_markdown
from tui.progress import ByteProgress


def build_command(root: Path, args: argparse.Namespace, out: Console, err: Console) -> int:
    with only_build(root):  # refused before the model is loaded, if another build runs here
        return _build(root, args, out, err)


def _build(root: Path, args: argparse.Namespace, out: Console, err: Console) -> int:
    started = time.monotonic()
    name = models.choose_model_name(args.model)
    err.print(f"Building {root.name} with {name}", markup=False, highlight=False)
    with ByteProgress(err) as progress:
        model = models.open_model(name, progress=progress)

    status = None  # on a terminal, how far the model is: one line, redrawn, gone at the next line of the log

    def on_event(event: BuildEvent) -> None:
        nonlocal status
        if event.step == Step.TOKENS:
            if err.is_terminal and status is None:
                status = err.status(Text(event.message))
                status.start()
            elif status is not None:
                status.update(Text(event.message))
            return
        if status is not None:
            status.stop()
            status = None
        err.print(f"[{time.monotonic() - started:6.1f}s] {event.message}", markup=False, highlight=False)

    def ask(design: str) -> bool:
        if not sys.stdin.isatty():
            raise ShallError("the design needs your approval, but there is no one at the terminal to ask; "
                             "run `shall build --yes` to accept it")
        err.print("\nThe design shall build:\n", markup=False, highlight=False)
        err.print(design, markup=False, highlight=False)
        titles = {r.id: r.title for r in load_workspace(root).requirements}
        err.print("In plain words:\n" + "\n".join(f"- {s}" for s in reads_in_words(design_from_text(design), titles)),
                  markup=False, highlight=False)
        reply = input("Build with this design? [Y/n] ").strip().lower()
        return reply in ("", "y", "yes")

    try:
        report = run_build(root, model, only=args.only, auto_approve=args.yes, on_event=on_event, ask_approval=ask,
                           questions=getattr(args, "questions", 3), max_repairs=getattr(args, "repairs", None))
    finally:
        if status is not None:
            status.stop()
    report = {**report, "model": name, "seconds": round(time.monotonic() - started, 1)}
    failing = any(r["examples_passed"] < r["examples"] for r in report["requirements"])
    if getattr(args, "summary", None):
        write_atomic(Path(args.summary), summary_markdown(root, report))
    if args.json:
        print(json.dumps(report, indent=2))
        return 1 if failing else 0
    _print_report(out, report)
    asked = [Question.from_dict(q) for q in report.get("questions", [])]
    if asked and sys.stdin.isatty() and not args.yes:
        ask_inline(root, asked, out)
    elif asked:
        out.print("", markup=False, highlight=False)
        titles = {r.id: r.title for r in load_workspace(root).requirements}
        for question in asked:
            out.print(question_text(question, titles) + "\n", markup=False, highlight=False)
        out.print(answer_hint(asked), markup=False, highlight=False)
    if not asked and not report.get("questions_waiting") and getattr(args, "questions", 3) > 0:
        out.print("No questions for you: where several answers pass every example, they also agree on the "
                  "made-up records shall tried.", markup=False, highlight=False)
    if report.get("questions_waiting"):
        out.print(f"{counted(report['questions_waiting'], 'more question')} wait for the next build.",
                  markup=False, highlight=False)
    return 1 if failing else 0


def summary_markdown(root: Path, report: dict) -> str:
    """The build in Markdown, for a pull request's body: each requirement's examples, then the questions."""
    lines = [f"shall built this with {report['model']} in {report['seconds']} s ({report['tokens']} tokens).", "",
             "| ID | Title | Examples | Held out |", "|---|---|---|---|"]
    lines += [f"| {r['id']} | {r['title']} | {r['examples_passed']}/{r['examples']} | {r['holdouts_passed']}/{r['holdouts']} |"
              for r in report["requirements"]]
    failing = [f"- {r['id']} \"{example}\" fails: {'; '.join(problems)}"
               for r in report["requirements"] for example, problems in r["failing"].items()]
    if failing:
        lines += ["", "Failing examples:", *failing]
    titles = {r["id"]: r["title"] for r in report["requirements"]}
    asked = questions_markdown([Question.from_dict(q) for q in report.get("questions", [])], titles)
    return "\n".join(lines) + "\n" + ("\n" + asked if asked else "")


def _print_report(out: Console, report: dict) -> None:
    table = Table(expand=False)
    for column, justify in (("ID", "left"), ("Title", "left"), ("Examples", "right"), ("Held out", "right"),
                            ("Attempts", "right"), ("Tokens", "right"), ("Seconds", "right"), ("State", "left")):
        table.add_column(column, justify=justify)
    for row in report["requirements"]:
        table.add_row(row["id"], Text(row["title"]), f"{row['examples_passed']}/{row['examples']}",
                      f"{row['holdouts_passed']}/{row['holdouts']}", str(row["attempts"]), str(row["tokens"]),
                      str(row["seconds"]), row.get("state", ""))
    out.print(table)
    for row in report["requirements"]:
        for example, problems in row["failing"].items():
            out.print(f"{row['id']} \"{example}\" fails: {'; '.join(problems)}", markup=False, highlight=False)
            if example in row.get("advice", {}):
                out.print("  " + row["advice"][example], markup=False, highlight=False)
    out.print(f"{report['tokens']} tokens, {report['seconds']} s in all with {report['model']}. "
              f"Generated code ran with: {report['isolation']}.", markup=False, highlight=False)

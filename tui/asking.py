"""Questions for the person on the command line: `shall questions`, `shall answer`, and asking after `shall build`.

A question reads in the requirement's own terms: its title, the records given, and the results the
answers gave, lettered, most agreed first.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from ruamel.yaml import YAML, YAMLError

from agents import answers
from agents.questions import Question
from reqs.problems import ShallError
from reqs.words import counted
from reqs.workspace import load_workspace

KEYS = "Keys: {letters}, or t to type the right result yourself, s to skip."


def question_text(question: Question, titles: dict[str, str]) -> str:
    """A question as the person reads it."""
    title = titles.get(question.requirement, question.requirement)
    lines = [f"Question {question.number} [{question.key}] about {title} ({question.requirement}): "
             f"for these records, which {question.output.replace('_', ' ')} is right?", ""]
    for name, records in question.inputs.items():
        lines.append(f"  {name}:")
        lines += [f"    {_record(r)}" for r in records] or ["    (none)"]
    lines.append("")
    for letter, choice in zip(answers.LETTERS, question.choices):
        lines.append(f"  {letter.upper()} ({choice.answers} of {question.finalists} answers): "
                     + ("nothing" if not choice.records else ""))
        lines += [f"    {_record(r)}" for r in choice.records]
    return "\n".join(lines)


def _record(record: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in record.items())


def list_questions(root: Path, out: Console) -> list[Question]:
    questions = answers.open_questions(root)
    titles = {r.id: r.title for r in load_workspace(root).requirements}
    for question in questions:
        out.print(question_text(question, titles) + "\n", markup=False, highlight=False)
    return questions


def answer_hint(questions: list[Question]) -> str:
    return (f"{counted(len(questions), 'question')} about what the requirements mean: answer with "
            f"`shall answer {questions[0].number if questions else 'N'} a` (or b, c; `--result FILE` to give the right result yourself, "
            "`--skip` to skip). `shall questions` shows them again.")


def ask_inline(root: Path, questions: list[Question], out: Console, read=None) -> int:
    """Ask each question at the terminal; returns how many were answered (each a committed example)."""
    read = read or input
    titles = {r.id: r.title for r in load_workspace(root).requirements}
    answered = 0
    for question in questions:
        out.print("\n" + question_text(question, titles), markup=False, highlight=False)
        letters = " / ".join(answers.LETTERS[:len(question.choices)])
        while True:
            reply = read(KEYS.format(letters=letters) + " ").strip().lower()
            try:
                if reply == "s":
                    answers.skip(root, question)
                    break
                records = typed_records(read(f"The right {question.output}, as a list of records "
                                             "(YAML or JSON, [] for none): ")) if reply == "t" \
                    else answers.choice_of(question, reply).records
                answers.answer(root, question, records)
                answered += 1
                out.print(f"Saved as a new example of {question.requirement}.", markup=False, highlight=False)
                break
            except ShallError as error:
                out.print(str(error), markup=False, highlight=False)
    if answered:
        out.print(f"\n{counted(answered, 'answer')} saved as examples. Build again to use them: shall build",
                  markup=False, highlight=False)
    return answered


def typed_records(text: str, where: str = "your answer") -> list[dict]:
    """Records typed or read from a file: a YAML or JSON list of mappings."""
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ShallError(f"{where}{f', line {mark.line + 1}' if mark else ''}: this is not YAML or JSON "
                         f"({getattr(error, 'problem', None) or error}); write a list like [{{name: value}}]") from error
    data = [] if data is None else data
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ShallError(f"{where}: a result is a list of records, like [{{tank_id: T1, level_pct: 12.5}}], or [] for none")
    return json.loads(json.dumps(data, default=str))


def saved_held(root: Path, out: Console) -> None:
    """Answers given in the TUI during a build that ended before it saved them: saved now, and said."""
    from agents.build import save_held_answers

    save_held_answers(root, lambda event: out.print(event.message, markup=False, highlight=False))


def cmd_questions(root: Path, out: Console) -> int:
    saved_held(root, out)
    questions = list_questions(root, out)
    if not questions:
        out.print("No open questions. A build asks where the answers that pass every example disagree.",
                  markup=False, highlight=False)
        return 0
    out.print(answer_hint(questions), markup=False, highlight=False)
    return 0


def cmd_answer(root: Path, args: argparse.Namespace, out: Console) -> int:
    saved_held(root, out)
    question = answers.find(root, args.question)
    if args.skip:
        answers.skip(root, question)
        out.print(f"Skipped {question.key}; it is not asked again until {question.requirement} changes.",
                  markup=False, highlight=False)
        return 0
    if args.result is not None:
        path = Path(args.result)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ShallError(f"cannot read {path}: {error.strerror}") from error
        records = typed_records(text, where=str(path))
    elif args.choice:
        records = answers.choice_of(question, args.choice).records
    else:
        raise ShallError("say which result is right: a letter (shall answer "
                         f"{args.question} a), --result FILE, or --skip")
    sha = answers.answer(root, question, records)
    out.print(f"Saved as a new example of {question.requirement}"
              + (f" and committed as {sha[:8]}" if sha else "") + ". Build again to use it: shall build",
              markup=False, highlight=False)
    return 0


def questions_markdown(questions: list[Question], titles: dict[str, str]) -> str:
    """The questions for a pull request's reviewer, each with the command that answers it."""
    if not questions:
        return ""
    lines = ["## Questions for the person who wrote the requirements", "",
             "The answers that pass every example disagree here. Answer in the workspace with "
             "`shall answer <number> <letter>`; the answer becomes an example and the next build uses it.", ""]
    for question in questions:
        number = question.number
        lines.append(f"**{number}. {titles.get(question.requirement, question.requirement)}** ({question.requirement}, "
                     f"key `{question.key}`): for these records, which {question.output.replace('_', ' ')} is right?")
        lines.append("")
        for name, records in question.inputs.items():
            lines.append(f"- given {name}: " + ("; ".join(_record(r) for r in records) or "none"))
        for letter, choice in zip(answers.LETTERS, question.choices):
            lines.append(f"- **{letter.upper()}** ({choice.answers} of {question.finalists} answers): "
                         + ("; ".join(_record(r) for r in choice.records) or "nothing")
                         + f" — `shall answer {number} {letter}`")
        lines.append("")
    return "\n".join(lines)

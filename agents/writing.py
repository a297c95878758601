"""Asking the model for a component's code: its first answers, a failing answer revised, and a repair.

Each function takes the model and a component's work (agents.state.WorkOnComponent) and returns the
candidates it got and what they cost. The build's nodes call them; so do the benches, with no graph.
"""

from __future__ import annotations

from agents.codefix import extract_sql, fix_code, mend_query
from agents.events import BuildEvent, Say, Step, quiet
from agents.models.seam import CallOptions, ChatModel, Completion, Message, OnTokens, QuestionTooLong
from agents.progress import Candidate, Progress, Cost
from agents.state import BuildState, Failing, Revision, WorkOnComponent
from agents.tasks import LANGUAGE_WORDS, component_task, inputs_shown, it_returned, repair_messages, system_prompt
from reqs.problems import ShallError
from reqs.words import counted
from specs.design import Design
from specs.render import SQL_COLUMN_TYPES, sql_component_code

MAX_TOKENS = 700
# At temperature 0 a repair repeats the first answer word for word; some
# randomness, with a different seed per attempt, lets it try something else.
REPAIR_TEMPERATURE = 0.7
CANDIDATE_TEMPERATURE = 0.8


class ExamplesTooLong(ShallError):
    """A component's question is past what the model reads at once: said with the requirements whose examples fill it."""

    def __init__(self, works: list[WorkOnComponent], error: QuestionTooLong) -> None:
        design = Design.model_validate(works[0]["design"])
        ids = sorted({r for work in works for r in design.component(work["component"]).requirements})
        names = " and ".join(work["component"] for work in works)
        which = " and ".join(ids)
        super().__init__(
            f"Writing {names} needs a question of {error.needed:,} tokens with its answer, and {error.model} reads "
            f"at most {error.window:,} at once. Most of it is the visible examples of {which}. Make them smaller in "
            f"{'their files' if len(ids) > 1 else 'its file'} in reqs/: fewer records in each table, or fewer examples "
            "shown to the model (`holdout: true` keeps an example as a test the model never sees). "
            "Or choose a model that reads more with --model. Your requirements are as you left them.")


def _asked(model: ChatModel, questions: list[tuple[list[Message], list[CallOptions]]],
           works: list[WorkOnComponent], doing: str, say: Say) -> list[list[Completion]]:
    """The answers, with how far the model is said as it goes (`doing`: "Writing make_result")."""
    component = works[0]["component"] if len(works) == 1 else None
    try:
        return model.complete_each(questions, _telling(doing, component, say))
    except QuestionTooLong as error:
        raise ExamplesTooLong(works, error) from error


def _telling(doing: str, component: str | None, say: Say) -> OnTokens:
    def told(read: int, to_read: int, written: int) -> None:
        how_far = (f"reading the question, {read:,} of {to_read:,} tokens" if read < to_read
                   else f"{written:,} tokens written")
        say(BuildEvent(Step.TOKENS, f"{doing}: {how_far}", component=component))
    return told


def work_for(state: BuildState, name: str) -> WorkOnComponent:
    """What a task writing the component gets from the build's state: the records of only what it reads."""
    reads = set(Design.model_validate(state["design"]).component(name).reads)
    upstream = {key: {c: records for c, records in outputs.items() if c in reads}
                for key, outputs in (state.get("upstream") or {}).items()}
    progress = (state.get("progress") or {}).get(name) or Progress()
    return {"component": name, "design": state["design"], "requirements": state["requirements"],
            "current": progress.current, "attempt": progress.attempts + 1, "upstream": upstream,
            "project": state.get("project") or {}}


def first_answers(model: ChatModel, work: WorkOnComponent, languages: tuple[str, ...], first: int = 0, count: int = 3,
                  say: Say = quiet) -> tuple[list[Candidate], Cost]:
    """`count` answers to the component's task in each language, numbered from `first`: the first of all at
    temperature 0, the others sampled, each with its own seed. They are asked for together, every language
    at once: the embedded model writes them in one batch, each prompt read once."""
    name = work["component"]
    numbers = range(first, first + max(1, count))
    options = [CallOptions(max_tokens=MAX_TOKENS, temperature=0.0 if number == 0 else CANDIDATE_TEMPERATURE,
                           seed=number, end_after_block=True) for number in numbers]
    questions = [([{"role": "system", "content": system_prompt(language)},
                   {"role": "user", "content": component_task(work, language)}], options) for language in languages]
    total = len(numbers) * len(languages)
    with model.turn():  # said when the model starts on them, not while another component waits its turn
        say(BuildEvent(Step.GENERATE, f"Writing {name} in {' and '.join(LANGUAGE_WORDS[lang] for lang in languages)}"
                       + (f", {counted(total, 'answer')} at once" if total > 1 else "")
                       + (f" (tries {first + 1} to {numbers[-1] + 1})" if first else ""), component=name))
        answered = _asked(model, questions, [work], f"Writing {name}", say)
    found, usage = [], Cost()
    for language, completions in zip(languages, answered):
        for number, completion in zip(numbers, completions):
            code, problems, spent = code_of(work, completion, language, say)
            found.append(Candidate(language, number, code, problems))
            usage += spent
    return found, usage


def revised_answers(model: ChatModel, work: WorkOnComponent, revisions: list[Revision],
                    say: Say = quiet) -> tuple[list[Candidate], Cost]:
    """One more answer from each failing candidate: the model sees its code, the example it fails, and what it
    did. They are asked for together: the embedded model writes them in one batch."""
    name = work["component"]
    design = Design.model_validate(work["design"])
    component = design.component(name)
    questions = []
    for number, revision in enumerate(revisions):
        candidate = revision.candidate
        inputs = inputs_shown(component.reads, revision.inputs, design, None, candidate.language)
        messages = repair_messages(work, candidate, revision.example, inputs, revision.expected, revision.outcome)
        questions.append((messages, [CallOptions(max_tokens=MAX_TOKENS, temperature=REPAIR_TEMPERATURE,
                                                 seed=work["attempt"] + number)]))
    with model.turn():
        say(BuildEvent(Step.REVISE, f"Revising {name}: {counted(len(revisions), 'answer')} sent back with the example "
                       "each gets wrong", component=name))
        answered = _asked(model, questions, [work], f"Revising {name}", say)
    found, usage = [], Cost()
    for revision, [completion] in zip(revisions, answered):
        code, problems, spent = code_of(work, completion, revision.candidate.language, say)
        found.append(revision.candidate.revision(code, problems))
        usage += spent
    return found, usage


def repaired(model: ChatModel, work: WorkOnComponent, failing: Failing, say: Say = quiet) -> tuple[Candidate, Cost]:
    """The component's current code sent back with the first example the app gets wrong, and a new version."""
    [(candidate, usage)] = repaired_together(model, [{**work, "failing": failing}], say)
    return candidate, usage


def repaired_together(model: ChatModel, works: list[WorkOnComponent], say: Say = quiet) -> list[tuple[Candidate, Cost]]:
    """Each component's current code sent back with the first example the app gets wrong (its work's
    "failing"), and a new version of each. The components of one test are repaired together: the embedded
    model writes their answers in one batch."""
    questions = [(_repair_messages(work, work["failing"]), [CallOptions(max_tokens=MAX_TOKENS,
                                                                       temperature=REPAIR_TEMPERATURE,
                                                                       seed=work["attempt"])]) for work in works]
    with model.turn():
        for work in works:
            say(BuildEvent(Step.REPAIR, f"Repairing {work['component']}", component=work["component"]))
        answered = _asked(model, questions, works, "Repairing " + " and ".join(w["component"] for w in works), say)
    found = []
    for work, [completion] in zip(works, answered):
        current = work["current"]
        code, problems, usage = code_of(work, completion, current.language, say)
        found.append((Candidate(current.language, current.number, code, problems, current.revised), usage))
    return found


def _repair_messages(work: WorkOnComponent, failing: Failing) -> list[dict]:
    name = work["component"]
    design = Design.model_validate(work["design"])
    component = design.component(name)
    output = component.writes[0]
    current = work["current"]
    result = failing.result
    if current.problems:
        outcome = "It has these problems: " + "; ".join(current.problems)
    elif result.get("failures", {}).get(name):
        outcome = f"It failed with: {result['failures'][name]}"
    elif result.get("actual") is not None and output in result["actual"]:
        outcome = it_returned(design, output, result['actual'][output], current.language)
    else:
        outcome = "What went wrong: " + "; ".join(result.get("problems", []))
    inputs = inputs_shown(component.reads, failing.given, design, result.get("actual"), current.language)
    return repair_messages(work, current, failing.example, inputs, failing.then[output], outcome)


def code_of(work: WorkOnComponent, completion: Completion, language: str, say: Say = quiet) -> tuple[str, list[str], Cost]:
    """The code in an answer, mended where it can be without the model: the code, what is still wrong, the cost."""
    name = work["component"]
    if language == "sql":
        design = Design.model_validate(work["design"])
        component = design.component(name)
        fixed = extract_sql(completion.text)
        if not fixed.problems:
            fixed = mend_query(fixed.code, {table: {f: SQL_COLUMN_TYPES[t] for f, t in design.collections[table].fields.items()}
                                            for table in component.reads})
        fixed.code = sql_component_code(fixed.code, component)
    else:
        fixed = fix_code(completion.text)
    usage = Cost(completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.seconds, 1)
    say(BuildEvent(Step.WRITTEN, f"Wrote {name} in {LANGUAGE_WORDS[language]} ({completion.usage.completion_tokens} "
                   f"tokens, {completion.seconds:.0f} s)"
                   + (f"; mended without the model: {', '.join(fixed.mended)}" if fixed.mended else ""), component=name))
    return fixed.code, list(fixed.problems), usage

"""`shall`: the command line. Exit codes: 0 ok, 1 failing or stale, 2 bad input or usage."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from reqs.initialize import init_workspace
from reqs.problems import ShallError
from reqs.words import counted
from reqs.workspace import Workspace, find_root, load_workspace
from specs.lock import UP_TO_DATE, load_lock, requirement_states, with_questions

EXIT_OK, EXIT_FAILING, EXIT_BAD_INPUT = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.handler is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except ShallError as error:
        _err().print(error.message, markup=False, highlight=False)
        return error.exit_code
    except KeyboardInterrupt:
        _err().print("Stopped. Nothing you wrote was lost; run the command again to carry on.")
        return EXIT_FAILING
    except Exception as error:  # a bug in shall: say so plainly, keep the traceback for those who ask
        if os.environ.get("SHALL_DEBUG"):
            raise
        _err().print(
            f"shall hit an internal error: {type(error).__name__}: {error}\n"
            "This is a bug in shall, not in your requirements. Run again with SHALL_DEBUG=1 to see the details.",
            markup=False, highlight=False,
        )
        return EXIT_FAILING


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shall",
        description="Build software from requirements: what it shall do, with worked examples.",
    )
    parser.add_argument("-C", dest="directory", type=Path, default=None, metavar="DIR",
                        help="run as if shall was started in DIR")
    parser.set_defaults(handler=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    init = commands.add_parser("init", help="make a new workspace (a git repository with reqs/project.yaml)")
    init.add_argument("dir", nargs="?", type=Path, default=Path("."), help="folder for the workspace (default: here)")
    init.add_argument("--name", help="the project's name (default: made from the folder name)")
    init.set_defaults(handler=cmd_init)

    validate = commands.add_parser("validate", help="check every requirement file and report all problems")
    validate.set_defaults(handler=cmd_validate)

    status = commands.add_parser("status", help="list the requirements with their examples and whether they are built and pass")
    status.set_defaults(handler=cmd_status)

    check = commands.add_parser("check", help="exit 0 if the app is up to date and every example passes, 1 if not (no model)")
    check.set_defaults(handler=cmd_check)

    diff = commands.add_parser("diff", help="what changed in the requirements and the code since REV, by requirement")
    diff.add_argument("rev", nargs="?", help="a git revision (default: the last commit, or HEAD when there are uncommitted changes)")
    diff.set_defaults(handler=cmd_diff)

    tui = commands.add_parser("tui", help="the terminal UI: write requirements and examples, build, see what works")
    tui.set_defaults(handler=cmd_tui)

    ci = commands.add_parser("ci", help="continuous integration")
    ci.set_defaults(handler=lambda args: _usage(ci))
    ci_commands = ci.add_subparsers(title="ci commands", metavar="ACTION")
    ci_init = ci_commands.add_parser("init", help="write .github/workflows/shall.yml: rebuild and check on every requirements change")
    ci_init.add_argument("--package", default="shall[local]", help="what CI installs shall from (a pip requirement)")
    ci_init.add_argument("--force", action="store_true", help="replace an existing workflow")
    ci_init.set_defaults(handler=cmd_ci_init)

    build = commands.add_parser("build", help="design, write and test the app from the requirements")
    build.add_argument("--yes", action="store_true", help="accept the design without asking")
    build.add_argument("--json", action="store_true", help="print one JSON summary on stdout; progress goes to stderr")
    build.add_argument("--model", help="local/qwen2.5-coder-1.5b (default), local/qwen2.5-coder-0.5b or openai/<name>")
    build.add_argument("--only", nargs="+", metavar="REQ-ID", help="rebuild only the components of these requirements")
    build.add_argument("--summary", metavar="FILE", help="also write the results and the questions in Markdown to FILE "
                       "(for a pull request's body)")
    build.add_argument("--questions", type=_how_many, default=3, metavar="N",
                       help="ask at most N questions where the answers that pass disagree (default 3, 0 for none)")
    build.add_argument("--repairs", type=_how_many, metavar="N",
                       help="send a component that still fails its examples back to the model at most N times, with "
                       "an example it gets wrong (default: 0 on the embedded models, where it has not helped; 1 on "
                       "an endpoint)")
    build.set_defaults(handler=cmd_build)

    questions = commands.add_parser("questions", help="the open questions the builds left: which result is right here?")
    questions.set_defaults(handler=cmd_questions)
    answer = commands.add_parser("answer", help="answer a question; the answer becomes an example of its requirement")
    answer.add_argument("question", help="its number in `shall questions` (1 is the first) or its key")
    answer.add_argument("choice", nargs="?", help="the letter of the right result (a, b or c)")
    answer.add_argument("--result", metavar="FILE", help="the right result yourself: a YAML or JSON list of records")
    answer.add_argument("--skip", action="store_true", help="skip it: not asked again until the requirement changes")
    answer.set_defaults(handler=cmd_answer)

    serve = commands.add_parser("serve", help="start the built app's web pages and JSON API (python -m app serve)")
    serve.add_argument("--host", default="127.0.0.1", help="where to listen (default 127.0.0.1: this computer only)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--token", help="the token other machines need: a person signs in with it once, a device sends it")
    serve.add_argument("--open-reading", action="store_true",
                       help="let every machine that can reach this one read the records without the token")
    serve.set_defaults(handler=cmd_serve)

    model = commands.add_parser("model", help="the language models shall can use")
    model.set_defaults(handler=lambda args: _usage(model))
    model_commands = model.add_subparsers(title="model commands", metavar="ACTION")
    model_commands.add_parser("list", help="the embedded models: size, whether downloaded, the default").set_defaults(handler=cmd_model_list)
    pull = model_commands.add_parser("pull", help="download an embedded model and check it")
    pull.add_argument("name", help="for example qwen2.5-coder-0.5b")
    pull.set_defaults(handler=cmd_model_pull)
    path = model_commands.add_parser("path", help="print where a downloaded model is")
    path.add_argument("name")
    path.set_defaults(handler=cmd_model_path)
    return parser


def cmd_init(args: argparse.Namespace) -> int:
    target = _base(args) / args.dir
    root = init_workspace(target, args.name)
    _out().print(f"Made a shall workspace in {root}", markup=False, highlight=False)
    _out().print(
        f"Next: cd {args.dir} and run `shall tui` to say what you record and what the software shall do (or "
        "write reqs/REQ-001.yaml, REQ-002.yaml, ... by hand and run `shall validate`).", markup=False, highlight=False,
    )
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    workspace = _load(args)
    requirements = workspace.requirements
    if workspace.problems:
        _print_problems(workspace)
        return EXIT_BAD_INPUT
    examples = sum(len(r.examples) for r in requirements)
    held_out = sum(len(r.holdout_examples) for r in requirements)
    _out().print(
        f"All valid: {counted(len(requirements), 'requirement')} with {counted(examples, 'example')} "
        f"({held_out} held out to check the build).", markup=False, highlight=False,
    )
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    workspace = _load(args)
    out = _out()
    out.print(workspace.project.name if workspace.project else str(workspace.root), markup=False, highlight=False)
    headers = ["ID", "Title", "Priority", "Examples", "Held out"]
    # The state needs every file read; with problems, the table shows what can be read and the problems follow.
    states = {} if workspace.problems else requirement_states(load_lock(workspace.root), workspace.requirements, workspace.root)
    from collections import Counter

    from agents.answers import open_questions

    waiting = Counter(q.requirement for q in open_questions(workspace.root))
    if states:
        headers.append("State")
    rows = []
    for file in sorted(workspace.files, key=_file_order):
        requirement = file.requirement
        if requirement is None:
            rows.append([file.path.stem, "(cannot be read, see below)", "", "", ""])
            continue
        state, why = states.get(requirement.id, ("", ""))
        state = with_questions(state, waiting[requirement.id])
        rows.append([requirement.id, requirement.title, requirement.priority,
                     str(len(requirement.visible_examples)), str(len(requirement.holdout_examples)),
                     *([state + (" (hand-edited)" if "hand-edited" in why else "")] if states else [])])
    rows += [[rid, "(its file was deleted)", "", "", "", "removed"] for rid, (state, _) in sorted(states.items())
             if state == "removed"]
    if not workspace.files:
        out.print("No requirements yet. Add one as reqs/REQ-001.yaml, or run `shall tui`.")
    else:
        # Plain text rather than a rich Table: it stays instant with a thousand requirements.
        print(_plain_table(headers, rows, right={"Examples", "Held out"}))
    if workspace.problems:
        _print_problems(workspace)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _plain_table(headers: list[str], rows: list[list[str]], right: set[str]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).rjust(w) if h in right else str(c).ljust(w) for h, c, w in zip(headers, cells, widths)).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])


def cmd_check(args: argparse.Namespace) -> int:
    workspace = _load(args)
    if workspace.problems:
        _print_problems(workspace)
        return EXIT_BAD_INPUT
    states = requirement_states(load_lock(workspace.root), workspace.requirements, workspace.root)
    behind = {rid: (state, why) for rid, (state, why) in sorted(states.items()) if state not in UP_TO_DATE}
    out = _out()
    if not behind:
        out.print(f"Up to date: {counted(len(states), 'requirement')}, every example passes.", markup=False, highlight=False)
        return EXIT_OK
    for rid, (state, why) in behind.items():
        out.print(f"{rid} {state}: {why}", markup=False, highlight=False)
    stale = any(state != "failing" for state, _ in behind.values())
    out.print("Run `shall build` to bring the app up to date." if stale else
              "Change the requirements or the code, then run `shall build` again.", markup=False, highlight=False)
    return EXIT_FAILING


def cmd_diff(args: argparse.Namespace) -> int:
    from specs.history import requirement_diff

    workspace = _load(args)
    _out().print(requirement_diff(workspace.root, args.rev), markup=False, highlight=False, end="")
    return EXIT_OK


def cmd_tui(args: argparse.Namespace) -> int:
    from tui.app import ShallApp

    root = find_root(_base(args))
    ShallApp(root).run()
    return EXIT_OK


def cmd_ci_init(args: argparse.Namespace) -> int:
    from importlib import resources

    from agents.models.registry import DEFAULT_LOCAL
    from agents.models.select import DEFAULT_OPENAI
    from reqs.atomic import write_atomic

    workspace = _load(args)
    target = workspace.root / ".github/workflows/shall.yml"
    if target.exists() and not args.force:
        raise ShallError(f"{target} already exists; nothing was changed. Use --force to replace it.")
    text = (resources.files("tui").joinpath("templates", "shall.yml").read_text(encoding="utf-8")
            .replace("{package}", args.package).replace("{openai_model}", f"openai/{DEFAULT_OPENAI}")
            .replace("{local_model}", f"local/{DEFAULT_LOCAL}"))
    write_atomic(target, text)
    _out().print(f"Wrote {target.relative_to(workspace.root)}. Commit and push it; from then on every change to reqs/ "
                 "is rebuilt and checked, and the new code comes as a pull request. Add an OPENAI_API_KEY secret to "
                 "build with OpenAI instead of the embedded model.", markup=False, highlight=False)
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from tui.building import build_command

    workspace = _load(args)
    if workspace.problems:
        _print_problems(workspace)
        return EXIT_BAD_INPUT
    return build_command(workspace.root, args, _out(), _err())


def cmd_questions(args: argparse.Namespace) -> int:
    from tui.asking import cmd_questions as listing

    return listing(find_root(_base(args)), _out())


def cmd_answer(args: argparse.Namespace) -> int:
    from tui.asking import cmd_answer as answering

    return answering(find_root(_base(args)), args, _out())


def cmd_serve(args: argparse.Namespace) -> int:
    """The workspace's own app, as its users run it: `python -m app serve` in the workspace."""
    root = find_root(_base(args))
    if not (root / "app" / "web.py").exists():
        raise ShallError(f"{root.name} has no app to serve yet (or one built by an older shall); "
                         "run `shall build` first")
    command = [sys.executable, "-m", "app", "serve", "--host", args.host, "--port", str(args.port)]
    if args.token:
        command += ["--token", args.token]
    if args.open_reading:
        command += ["--open-reading"]
    try:
        return subprocess.run(command, cwd=root).returncode
    except KeyboardInterrupt:
        return EXIT_OK


def cmd_model_list(args: argparse.Namespace) -> int:
    from agents.models.pull import is_verified
    from agents.models.registry import LOCAL_MODELS, cache_dir, model_path
    from agents.models.select import choose_model_name

    chosen = choose_model_name()
    table = Table(expand=False)
    table.add_column("Model", no_wrap=True)
    table.add_column("Size", justify="right")
    table.add_column("Downloaded")
    table.add_column("Default")
    for spec in LOCAL_MODELS.values():
        path = model_path(spec)
        here = "yes" if is_verified(spec, path) else ("not checked yet" if path.exists() else "no")
        table.add_row(f"local/{spec.name}", f"{spec.size / 1e9:.1f} GB", here, "yes" if chosen == f"local/{spec.name}" else "")
    out = _out()
    out.print(table)
    for spec in LOCAL_MODELS.values():
        out.print(f"local/{spec.name}: {spec.about}", markup=False, highlight=False)
    if not chosen.startswith("local/"):
        out.print(f"In use by default: {chosen} (from the environment).", markup=False, highlight=False)
    out.print(f"Models are kept in {cache_dir()}. Choose one with --model or SHALL_MODEL; "
              "openai/<name> reaches OPENAI_BASE_URL.", markup=False, highlight=False)
    return EXIT_OK


def cmd_model_pull(args: argparse.Namespace) -> int:
    from agents.models.pull import pull
    from agents.models.registry import local_spec

    from tui.progress import ByteProgress

    spec = local_spec(args.name)
    with ByteProgress(_err()) as progress:
        path = pull(spec, progress=progress)
    _out().print(str(path), markup=False, highlight=False, soft_wrap=True)
    return EXIT_OK


def cmd_model_path(args: argparse.Namespace) -> int:
    from agents.models.registry import local_spec, model_path

    spec = local_spec(args.name)
    path = model_path(spec)
    if not path.exists():
        _err().print(f"{spec.name} is not downloaded yet; run `shall model pull {spec.name}`.", markup=False, highlight=False)
        return EXIT_FAILING
    _out().print(str(path), markup=False, highlight=False, soft_wrap=True)
    return EXIT_OK


def _how_many(text: str) -> int:
    """A count given on the command line: a whole number, 0 or more."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 0 or more")
    return int(digits)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_BAD_INPUT


def _file_order(file) -> tuple[int, str]:
    return (0, file.requirement.id) if file.requirement else (1, file.path.name)


def _load(args: argparse.Namespace) -> Workspace:
    return load_workspace(find_root(_base(args)))


def _base(args: argparse.Namespace) -> Path:
    return args.directory if args.directory is not None else Path.cwd()


def _print_problems(workspace: Workspace) -> None:
    err = _err()
    for problem in workspace.problems:
        err.print(str(problem), markup=False, highlight=False)
    files = len({p.path for p in workspace.problems})
    err.print(
        f"\n{counted(len(workspace.problems), 'problem')} in {counted(files, 'file')}. "
        "Fix them and run `shall validate` again.", markup=False, highlight=False,
    )


def _out() -> Console:
    return Console(soft_wrap=True)


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True)

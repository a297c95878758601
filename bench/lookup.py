"""Repairs with prompt-lookup decoding against without, on the embedded model: seconds, tokens, same answer.

    .venv/bin/python bench/lookup.py [--model qwen2.5-coder-1.5b] [--drafts 0 4 10] [--seeds 2]
                                     [--workspaces water-tanks maternal-clinic] [--json-out lookup.json]

A repair sends back the component's code with the example it gets wrong, and the answer mostly copies
that code. Prompt lookup (llama-cpp-python's LlamaPromptLookupDecoding) proposes the next tokens from
what follows the last few tokens elsewhere in the prompt; the model checks them all in one step and keeps
those it would have written anyway, so the answer is the same, written in fewer steps.

The repair prompts are real ones (agents.tasks.repair_messages), for each component of the workspaces:
the hand-written reference (bench/references) with one comparison or number changed, shown with the
first visible example of its output. Each is answered at the repair temperature with each seed, once by
a plain llama.cpp and once with each draft length, in the same run, on the same weights.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.models.registry import local_spec  # noqa: E402
from agents.models.pull import pull  # noqa: E402
from agents.progress import Candidate  # noqa: E402
from agents.tasks import repair_messages  # noqa: E402
from agents.writing import MAX_TOKENS, REPAIR_TEMPERATURE  # noqa: E402
from bench.build import workspace_path  # noqa: E402
from bench.references import references  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402
from specs.infer import infer_design  # noqa: E402

CONTEXT = 4096


def wrong(source: str) -> str | None:
    """The reference with its first comparison turned, or its first number changed: a believable mistake."""
    for pattern, replacement in ((r" < ", " <= "), (r" > ", " >= "), (r" >= ", " > "), (r" <= ", " < "),
                                 (r"\b(\d+)\b", lambda m: str(int(m.group(1)) + 1))):
        changed = re.sub(pattern, replacement, source, count=1)
        if changed != source:
            return changed
    return None


def repairs(name: str) -> list[tuple[str, list[dict]]]:
    """(component, the repair's messages) for each component of the workspace with a reference."""
    root = workspace_path(name)
    workspace = load_workspace(root)
    design = infer_design(workspace.project, workspace.requirements)
    made = references(root)
    found = []
    for component in design.components:
        output = component.writes[0]
        example = next((e for r in workspace.requirements for e in r.visible_examples if output in e.then), None)
        if output not in made or example is None:
            continue
        source = inspect.getsource(made[output])
        code = wrong(re.sub(r"def make_\w+\(", "def run(", source, count=1))
        if code is None:
            continue
        work = {"component": component.name, "design": design.model_dump(),
                "requirements": [r.model_dump() for r in workspace.requirements], "current": None, "attempt": 1,
                "upstream": {}, "project": workspace.project.model_dump()}
        inputs = "\n".join(f"{k} = {v!r}" for k, v in example.given.items() if k in component.reads)
        messages = repair_messages(work, Candidate("python", 0, code), example.name, inputs, example.then[output],
                                   "but it returned something else")
        found.append((component.name, messages))
    return found


def answer(llm, messages: list[dict], seed: int) -> tuple[str, int, int, float]:
    llm.reset()  # every answer reads its prompt afresh, as a repair after other components' work does
    started = time.perf_counter()
    response = llm.create_chat_completion(messages=messages, max_tokens=MAX_TOKENS, temperature=REPAIR_TEMPERATURE,
                                          seed=seed)
    seconds = time.perf_counter() - started
    usage = response["usage"]
    return response["choices"][0]["message"]["content"] or "", usage["prompt_tokens"], usage["completion_tokens"], seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--drafts", type=int, nargs="+", default=[0, 4, 10], help="tokens proposed a step; 0: none")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--workspaces", nargs="+", default=["water-tanks", "maternal-clinic"])
    parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    path = str(pull(local_spec(args.model)))
    asks = [(ws, component, messages) for ws in args.workspaces for component, messages in repairs(ws)]
    rows, texts = [], {}
    for draft in args.drafts:
        # logits_all: llama-cpp-python 0.3 sizes its logits by the argument, not by the draft model it is given
        llm = Llama(model_path=path, n_ctx=CONTEXT, n_threads=os.cpu_count() or 2, verbose=False, logits_all=bool(draft),
                    draft_model=LlamaPromptLookupDecoding(num_pred_tokens=draft) if draft else None)
        for ws, component, messages in asks:
            for seed in range(args.seeds):
                text, prompt, written, seconds = answer(llm, messages, seed)
                texts[(draft, component, seed)] = text
                rows.append({"draft": draft, "workspace": ws, "component": component, "seed": seed, "prompt": prompt,
                             "written": written, "seconds": round(seconds, 2),
                             "same": text == texts.get((args.drafts[0], component, seed))})
                print(f"draft {draft:2d} {component:28s} seed {seed}: {written:4d} tokens after {prompt} in "
                      f"{seconds:6.1f} s", flush=True)
        del llm
    print(f"\n{'draft':>5} {'answers':>7} {'written':>8} {'seconds':>8} {'tokens/s':>9} {'same answer':>12}")
    for draft in args.drafts:
        mine = [r for r in rows if r["draft"] == draft]
        written, seconds = sum(r["written"] for r in mine), sum(r["seconds"] for r in mine)
        print(f"{draft:5d} {len(mine):7d} {written:8d} {seconds:8.1f} {written / seconds:9.2f} "
              f"{sum(r['same'] for r in mine):6d} of {len(mine)}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

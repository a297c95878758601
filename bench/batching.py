"""Tokens a second when the embedded model writes N answers to one prompt together, against one after another.

    .venv/bin/python bench/batching.py [--models qwen2.5-coder-0.5b qwen2.5-coder-1.5b] [--sizes 1 2 4 6 8]
                                       [--tokens 128] [--json-out batching.json]

The prompt is a real one: the task of water-tanks' first component. Every answer is exactly --tokens
long (the end of turn is banned for the measurement), so both ways write the same tokens. For each N, the seconds spent writing (the prompt is read once either way: llama.cpp kept it
between calls before, and a batch shares it now):
- sequential: N answers, each decoded alone (a batch of one);
- batched: the N answers decoded together.
Then the machine's limit: writing one token alone reads every weight once, so the model's bytes times
tokens a second, against the memory bandwidth measured here (a large copy), says how close to
memory-bound a lone answer is.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import llama_cpp  # noqa: E402
import numpy as np  # noqa: E402

from agents.models.batched import BatchedDecoder  # noqa: E402
from agents.models.seam import CallOptions  # noqa: E402
from agents.models.select import open_model  # noqa: E402
from agents.tasks import component_task, system_prompt  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402
from specs.infer import infer_design  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "examples/water-tanks"


class EndBanned(BatchedDecoder):
    """The product's decoder, with the end of turn made impossible, so that every answer is as long as asked."""

    def _sampler(self, options: CallOptions):
        chain = super()._sampler(options)
        vocab_size = llama_cpp.llama_vocab_n_tokens(self.vocab)
        ends = [t for t in range(vocab_size) if llama_cpp.llama_vocab_is_eog(self.vocab, t)]
        biases = (llama_cpp.llama_logit_bias * len(ends))(*[llama_cpp.llama_logit_bias(t, -1e9) for t in ends])
        banned = llama_cpp.llama_sampler_init_logit_bias(vocab_size, len(ends), biases)
        # the bias must come first: a chain applies its samplers in order, and the last one picks
        rest = [llama_cpp.llama_sampler_chain_remove(chain, 0) for _ in range(llama_cpp.llama_sampler_chain_n(chain))]
        for sampler in [banned, *rest]:
            llama_cpp.llama_sampler_chain_add(chain, sampler)
        return chain


def prompt() -> list[dict]:
    workspace = load_workspace(EXAMPLE)
    design = infer_design(workspace.project, workspace.requirements)
    component = design.flow()[0]
    work = {"component": component.name, "design": design.model_dump(), "requirements": [r.model_dump() for r in workspace.requirements],
            "current": None, "attempt": 1, "upstream": {}, "project": workspace.project.model_dump()}
    return [{"role": "system", "content": system_prompt("python")}, {"role": "user", "content": component_task(work, "python")}]


def bandwidth(gigabytes: float = 1.0) -> float:
    """GB a second for a large copy, the best of three: a read and a write of every byte."""
    source = np.ones(int(gigabytes * 1e9 / 8))
    target = np.empty_like(source)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - started)
    return 2 * source.nbytes / best / 1e9


def measure(name: str, sizes: list[int], tokens: int) -> dict:
    model = open_model(f"local/{name}")
    decoder = EndBanned(model.llm, n_ctx=16384, n_seq_max=max(sizes))
    question = decoder.prompt(prompt())
    options = [CallOptions(max_tokens=tokens, temperature=0.8, seed=seed + 1) for seed in range(max(sizes))]
    decoder.answers(question, options[:1])  # warm up: the weights into memory
    rows = []
    for n in sizes:
        alone, sequential = [], 0.0
        for one in options[:n]:
            alone += decoder.answers(question, [one])
            sequential += decoder.seconds["writing"]
        together = decoder.answers(question, options[:n])
        batched, reading = decoder.seconds["writing"], decoder.seconds["prompt"]
        assert all(a.completion_tokens == tokens for a in alone + together), "every answer should be as long as asked"
        row = {"n": n, "prompt_tokens": together[0].prompt_tokens, "prompt_seconds": round(reading, 1),
               "sequential_seconds": round(sequential, 1), "batched_seconds": round(batched, 1),
               "sequential_tps": round(n * tokens / sequential, 1), "batched_tps": round(n * tokens / batched, 1)}
        row["ratio"] = round(row["batched_tps"] / row["sequential_tps"], 2)
        rows.append(row)
        print(f"{name:<20} N={n:<2} sequential {row['sequential_tps']:>6} tok/s ({sequential:5.1f} s)   "
              f"batched {row['batched_tps']:>6} tok/s ({batched:5.1f} s)   x{row['ratio']}   "
              f"(the prompt, {row['prompt_tokens']} tokens, read in {reading:.1f} s either way)", flush=True)
    size = Path(model.llm.model_path).stat().st_size
    return {"model": name, "bytes": size, "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 2, 4, 6, 8])
    parser.add_argument("--tokens", type=int, default=128, help="the length of every answer")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    results = {"bandwidth_gbs": round(bandwidth(), 1), "models": []}
    print(f"memory bandwidth (a 1 GB copy, read and write): {results['bandwidth_gbs']} GB/s")
    for name in args.models:
        result = measure(name, args.sizes, args.tokens)
        alone = result["rows"][0]["sequential_tps"]
        need = result["bytes"] * alone / 1e9
        print(f"{name}: {result['bytes'] / 1e9:.2f} GB of weights x {alone} tok/s alone = {need:.1f} GB/s read, "
              f"{100 * need / results['bandwidth_gbs']:.0f}% of the measured bandwidth")
        results["models"].append(result)
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

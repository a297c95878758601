"""Tokens per second of the embedded models, through shall's seam and through llama-cpp-python directly.

    .venv/bin/python bench/models.py [--models qwen2.5-coder-0.5b qwen2.5-coder-1.5b] [--runs 3]

Prints prompt and generation speed for each model, the seam's overhead
against the direct call (it must stay under 5 %), and how much faster a
second prompt is when it shares a long prefix with the first (the prompt
cache).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.models.local import LocalModel  # noqa: E402
from agents.models.pull import pull  # noqa: E402
from agents.models.registry import LOCAL_MODELS  # noqa: E402
from agents.models.seam import CallOptions  # noqa: E402

SYSTEM = (
    "You write small, pure Python functions for a data pipeline. Each function takes lists of records "
    "(dicts) and returns a list of records. Use only the standard library. " * 6
)
QUESTIONS = [
    "Write a function latest(levels) that keeps the most recent reading per tank_id.",
    "Write a function alerts(latest) that keeps the tanks whose level_pct is below 20.",
    "Write a function totals(deliveries) that sums litres per delivered_on day.",
    "Write a function rates(attendance) that works out each pupil's attendance percentage.",
]
GENERATE = 96


def messages(question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]


def direct(llm, question: str, max_tokens: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    out = llm.create_chat_completion(messages=messages(question), max_tokens=max_tokens, temperature=0.0)
    return time.perf_counter() - started, out["usage"]["prompt_tokens"], out["usage"]["completion_tokens"]


def seam(model: LocalModel, question: str, max_tokens: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    completion = model.complete(messages(question), options=CallOptions(max_tokens=max_tokens))
    return time.perf_counter() - started, completion.usage.prompt_tokens, completion.usage.completion_tokens


def measure(name: str, runs: int) -> dict[str, float]:
    spec = LOCAL_MODELS[name]
    model = LocalModel(spec, pull(spec))
    llm = model.llm
    results: dict[str, list[float]] = {"direct": [], "seam": []}
    prompt_rates, generation_rates = [], []
    for run in range(runs):
        for way in ("direct", "seam") if run % 2 == 0 else ("seam", "direct"):
            for question in QUESTIONS:
                llm.reset()  # no prefix reuse: every call evaluates its whole prompt
                call = direct if way == "direct" else seam
                seconds_prompt, prompt_tokens, _ = call(llm if way == "direct" else model, question, 1)
                llm.reset()
                seconds, _, completion_tokens = call(llm if way == "direct" else model, question, GENERATE)
                results[way].append(seconds)
                prompt_rates.append(prompt_tokens / seconds_prompt)
                generation_rates.append(max(completion_tokens - 1, 1) / max(seconds - seconds_prompt, 1e-9))
    llm.reset()
    cold, prompt_tokens, _ = direct(llm, QUESTIONS[0], 1)
    warm, _, _ = direct(llm, QUESTIONS[1], 1)  # same long system prompt, new question
    overhead = (statistics.median(results["seam"]) - statistics.median(results["direct"])) / statistics.median(results["direct"])
    return {
        "prompt_tokens": prompt_tokens,
        "prompt_tps": statistics.median(prompt_rates),
        "generation_tps": statistics.median(generation_rates),
        "direct_s": statistics.median(results["direct"]),
        "seam_s": statistics.median(results["seam"]),
        "overhead_pct": 100 * overhead,
        "cache_speedup": cold / warm,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"], choices=list(LOCAL_MODELS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'model':<22} {'prompt tok/s':>12} {'gen tok/s':>10} {'direct s':>9} {'seam s':>8} {'overhead':>9} {'prefix cache':>13}")
    worst = 0.0
    for name in args.models:
        row = measure(name, args.runs)
        worst = max(worst, row["overhead_pct"])
        print(f"{name:<22} {row['prompt_tps']:>12.1f} {row['generation_tps']:>10.1f} {row['direct_s']:>9.2f} "
              f"{row['seam_s']:>8.2f} {row['overhead_pct']:>8.1f}% {row['cache_speedup']:>12.1f}x", flush=True)
    print(f"\nseam overhead, worst model: {worst:.1f}% (limit 5%); up to {GENERATE} generated tokens per call, "
          f"{args.runs} runs x {len(QUESTIONS)} questions, medians.")
    return 0 if worst < 5 else 1


if __name__ == "__main__":
    sys.exit(main())

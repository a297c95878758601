"""Several answers to one prompt from llama.cpp at once: the prompt read once, the answers written together.

On a CPU, writing one token of one answer reads every weight of the model from memory; writing a token
for each of six answers in one step reads them once for all six. So the answers share a context of
their own: the prompt is evaluated once into cache cells every sequence shares, then each step decodes
one token of every answer still going, in one batch, each answer with its own sampler (temperature and
seed) and its own end (end of turn, the end of its code block, or its token limit). This is the way of
llama.cpp's `batched` example, through llama-cpp-python's low-level API.

The prompt is the one the high-level chat path makes (the model's own chat template, tokenized the
same way), and the sampler chain is the one it builds, so at temperature 0 an answer here is the
answer `create_chat_completion` gives.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable
from dataclasses import dataclass

import llama_cpp
from llama_cpp import llama_chat_format
from llama_cpp._internals import LlamaContext

from agents.models.seam import CallOptions, Message, ModelError, OnTokens

FENCE = "```"
TELL_EVERY = 1.0  # seconds between two reports of how far the answers are

# The high-level path's defaults (Llama.create_chat_completion and Llama._init_sampler).
TOP_K, TYPICAL_P, TOP_P, MIN_P = 40, 1.0, 0.95, 0.05


@dataclass
class Answer:
    text: str
    prompt_tokens: int
    completion_tokens: int


def block_closed(text: str) -> bool:
    """Whether a fenced code block has opened and closed: what comes after it is never read."""
    opened = text.find(FENCE)
    if opened < 0:
        return False
    body = text.find("\n", opened)
    return body >= 0 and text.find("\n" + FENCE, body) >= 0


class BatchedDecoder:
    """A context of its own on the loaded model, for up to `n_seq_max` answers at once.

    Its cache is unified: the prompt's cells belong to every sequence, so they are stored once.
    """

    def __init__(self, llm: llama_cpp.Llama, n_ctx: int, n_seq_max: int, n_batch: int = 512) -> None:
        params = llama_cpp.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = n_ctx, n_batch, n_batch
        params.n_seq_max, params.kv_unified, params.no_perf = n_seq_max, True, True
        params.n_threads = params.n_threads_batch = llm.context_params.n_threads
        self.llm, self.n_ctx, self.n_seq_max, self.n_batch = llm, n_ctx, n_seq_max, n_batch
        self.seconds: dict[str, float] = {}  # the last call's: reading the prompt, and writing the answers
        self.context = LlamaContext(model=llm._model, params=params, verbose=False)
        self.vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
        template = llm.metadata.get("tokenizer.chat_template")
        if llm.chat_format != "chat_template.default" or not template:
            raise ModelError(f"batched answers need the model's own chat template; {llm.chat_format} has none")
        eos, bos = llm.token_eos(), llm.token_bos()
        self.formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llm._model.token_get_text(bos) if bos != -1 else "", stop_token_ids=[eos])

    def prompt(self, messages: list[Message]) -> list[int]:
        """The prompt's tokens, made as the high-level chat path makes them."""
        formatted = self.formatter(messages=messages)
        return self.llm.tokenize(formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True)

    def answers(self, prompt: list[int], options: list[CallOptions]) -> list[Answer]:
        """One answer per options to a prompt's tokens (`prompt()`), decoded together."""
        return self.answers_to([(prompt, options)])[0]

    def answers_to(self, questions: list[tuple[list[int], list[CallOptions]]],
                   on_tokens: OnTokens | None = None) -> list[list[Answer]]:
        """For each question (a prompt's tokens and one options per answer), its answers, all decoded together.

        Each prompt is read once, its cells shared by the sequences that answer it; a component's Python
        and SQL prompts are answered in one batch this way. `on_tokens` is told how far it is about once
        every TELL_EVERY seconds: reading takes minutes for a long question on a CPU.
        """
        owners = [q for q, (_, options) in enumerate(questions) for _ in options]  # sequence -> its question
        options = [o for _, many in questions for o in many]
        n = len(options)
        if not 0 < n <= self.n_seq_max:
            raise ValueError(f"between 1 and {self.n_seq_max} answers at once, not {n}")
        prompts = [prompt for prompt, _ in questions]
        needed = sum(len(p) for p in prompts) + sum(o.max_tokens for o in options)
        if needed > self.n_ctx:
            raise ModelError(f"{self.llm.model_path}: the questions ({sum(len(p) for p in prompts)} tokens) and {n} "
                             f"answers of up to {max(o.max_tokens for o in options)} tokens do not fit the context of "
                             f"{self.n_ctx}; ask for fewer answers at once")
        ctx = self.context.ctx
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx), True)
        batch = llama_cpp.llama_batch_init(max(self.n_batch, n), 0, n)
        samplers = [self._sampler(o) for o in options]
        written: list[list[int]] = [[] for _ in options]
        texts = [b"" for _ in options]
        to_read, told = sum(len(p) for p in prompts), [time.perf_counter()]

        def tell(read: int, last: bool = False) -> None:
            if on_tokens is not None and (last or time.perf_counter() - told[0] >= TELL_EVERY):
                told[0] = time.perf_counter()
                on_tokens(read, to_read, sum(map(len, written)))

        def next_token(seq: int, index: int) -> int | None:
            """Sample a sequence's next token from the logits at `index`: the token to feed back, or None at its end."""
            token = llama_cpp.llama_sampler_sample(samplers[seq], ctx, index)
            if llama_cpp.llama_vocab_is_eog(self.vocab, token):
                return None
            written[seq].append(token)
            piece = self._piece(token)
            texts[seq] += piece
            if len(written[seq]) >= options[seq].max_tokens or (  # a block can only close on a backtick
                    options[seq].end_after_block and b"`" in piece and block_closed(texts[seq].decode("utf-8", "ignore"))):
                return None
            return token

        try:
            started = time.perf_counter()
            sequences = [[seq for seq in range(n) if owners[seq] == q] for q in range(len(questions))]
            feed: dict[int, int] = {}  # sequence -> the token it decodes next
            before = 0
            for prompt, mine in zip(prompts, sequences):  # each answer's first token is sampled as its prompt is read
                last = self._read_prompt(batch, prompt, mine, lambda read, before=before: tell(before + read))
                feed |= {seq: token for seq in mine if (token := next_token(seq, last)) is not None}
                before += len(prompt)
            self.seconds = {"prompt": time.perf_counter() - started}
            started = time.perf_counter()
            while feed:
                batch.n_tokens = 0
                where = {}
                for seq, token in feed.items():
                    where[seq] = batch.n_tokens
                    self._add(batch, token, len(prompts[owners[seq]]) + len(written[seq]) - 1, [seq], logits=True)
                if llama_cpp.llama_decode(ctx, batch) != 0:
                    raise ModelError(f"{self.llm.model_path}: llama.cpp could not decode the answers' next tokens")
                feed = {seq: token for seq, index in where.items() if (token := next_token(seq, index)) is not None}
                tell(to_read)
            tell(to_read, last=True)
            self.seconds["writing"] = time.perf_counter() - started
            answers = [Answer(self.llm.detokenize(tokens).decode("utf-8", "replace"), len(prompts[owners[seq]]), len(tokens))
                       for seq, tokens in enumerate(written)]
            return [[answers[seq] for seq in mine] for mine in sequences]
        finally:
            llama_cpp.llama_batch_free(batch)
            for sampler in samplers:
                llama_cpp.llama_sampler_free(sampler)

    def _read_prompt(self, batch, prompt: list[int], sequences: list[int], read: Callable[[int], None]) -> int:
        """Evaluate a prompt once, its cells shared by the sequences that answer it; where its last token's logits are.
        `read` is told how many of its tokens are read, after each chunk."""
        for start in range(0, len(prompt), self.n_batch):
            chunk = prompt[start:start + self.n_batch]
            batch.n_tokens = 0
            for offset, token in enumerate(chunk):
                self._add(batch, token, start + offset, sequences, logits=start + offset == len(prompt) - 1)
            if llama_cpp.llama_decode(self.context.ctx, batch) != 0:
                raise ModelError(f"{self.llm.model_path}: llama.cpp could not read the question")
            read(start + len(chunk))
        return batch.n_tokens - 1

    @staticmethod
    def _add(batch, token: int, position: int, sequences: list[int], logits: bool) -> None:
        i = batch.n_tokens
        batch.token[i], batch.pos[i], batch.n_seq_id[i], batch.logits[i] = token, position, len(sequences), logits
        for k, seq in enumerate(sequences):
            batch.seq_id[i][k] = seq
        batch.n_tokens += 1

    def _piece(self, token: int) -> bytes:
        buffer = ctypes.create_string_buffer(64)
        size = llama_cpp.llama_token_to_piece(self.vocab, token, buffer, len(buffer), 0, False)
        return buffer.raw[:size] if size > 0 else b""

    @staticmethod
    def _sampler(options: CallOptions):
        """The high-level path's chain: greedy at temperature 0, else top-k, typical, top-p, min-p, temperature, seed."""
        chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
        if options.temperature == 0:
            llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_greedy())
            return chain
        for sampler in (llama_cpp.llama_sampler_init_top_k(TOP_K), llama_cpp.llama_sampler_init_typical(TYPICAL_P, 1),
                        llama_cpp.llama_sampler_init_top_p(TOP_P, 1), llama_cpp.llama_sampler_init_min_p(MIN_P, 1),
                        llama_cpp.llama_sampler_init_temp(options.temperature),
                        llama_cpp.llama_sampler_init_dist(options.seed or llama_cpp.LLAMA_DEFAULT_SEED)):
            llama_cpp.llama_sampler_chain_add(chain, sampler)
        return chain

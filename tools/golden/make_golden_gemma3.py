#!/usr/bin/env python3
"""Golden greedy paths for Gemma 3 270M (the registry's gemma3-270m), from an independent float64 numpy
forward (np_gemma3.py: written from Hugging Face's modeling_gemma3.py and llama.cpp's gemma3.cpp, on
the GGUF tensors as the `gguf` package dequantizes them). Prompt ids come from the
`sentencepiece` library running a model built from the GGUF vocabulary (GemmaSpm below), not from
Kvasir.

Why numpy and not transformers: transformers' GGUF loaders (model and tokenizer) need torch, which
this machine does not have; the numpy forward implements the same definition directly.

Writes kvasir-core/src/test/resources/golden/gemma3-270m-q4_k_m.json in the format of make_golden.py
(the fields GoldenTest reads: prompt_ids, generated_ids, top_ids, top_logits), with three cases:
`story`, `chat` (Gemma's chat turn format) and `long` (more than 512 prompt tokens, so that the
sliding-window layers drop the start of the prompt while the global layers keep it).

    PYTHONPATH=... python3 tools/golden/make_golden_gemma3.py [--model PATH] [--new-tokens 24]
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from golden_format import dump, f32, sha256, top_k_stable  # noqa: E402
from np_gemma3 import NpGemma3  # noqa: E402

TOP_K = 5
STORY_PROMPT = "Once upon a time"
# the same paragraph as make_golden.py
LONG_PARAGRAPH = (
    "Once there was a small town by the sea where a girl named Mia lived with her grandmother. "
    "Every morning, Mia walked down to the harbor to watch the fishing boats come back with their nets "
    "full of silver fish. The fishermen knew her well, and they often waved and called her name. One day, "
    "an old sailor with a long gray beard sat on the dock, mending a torn sail with a big needle. Mia asked "
    "him where he had been, and he told her about islands covered in green trees, about whales that sang "
    "at night, and about a storm so strong that it broke his mast in two. Mia listened with wide eyes. "
    "She wanted to see the world too, but she was afraid of the deep water. The sailor smiled and said "
    "that every brave person is a little bit afraid. He gave her a small wooden boat that he had carved "
    "himself, with a white sail and a red flag. That evening, Mia put the little boat in a puddle behind "
    "her house and watched it float. Her grandmother came outside, sat down on the step, and told her a "
    "story about her own mother, who had crossed the sea alone when she was young. The sky turned orange "
    "and then purple, and the first stars came out over the water. Mia held the little boat in her hands "
    "and made a promise to herself. When she was older, she would learn to sail, and she would visit the "
    "islands, the singing whales, and the places from the old sailor's stories. Then she went inside, ate "
    "her soup, and fell asleep dreaming of the sea."
)
CHAT_PROMPT = "<bos><start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\n"


class GemmaSpm:
    """Gemma's tokenizer as a SentencePiece BPE model built from the GGUF vocabulary (pieces, scores,
    types): no dummy prefix (tokenizer.ggml.add_space_prefix = false), spaces escaped to U+2581, no
    other normalization, byte fallback, user-defined pieces (newline runs, ...) matched whole.
    Control tokens written in the text (<bos>, <start_of_turn>, ...) are split out first and mapped to
    their ids, as llama.cpp and transformers parse special tokens."""

    def __init__(self, path: Path):
        import gguf
        import sentencepiece as spm
        from sentencepiece import sentencepiece_model_pb2 as pb

        r = gguf.GGUFReader(str(path))
        toks = r.fields["tokenizer.ggml.tokens"].contents()
        scores = r.fields["tokenizer.ggml.scores"].contents()
        types = r.fields["tokenizer.ggml.token_type"].contents()
        self.bos = r.fields["tokenizer.ggml.bos_token_id"].contents()
        m = pb.ModelProto()
        m.trainer_spec.model_type = pb.TrainerSpec.BPE
        m.trainer_spec.byte_fallback = True
        m.trainer_spec.unk_id = r.fields["tokenizer.ggml.unknown_token_id"].contents()
        m.trainer_spec.bos_id = self.bos
        m.trainer_spec.eos_id = r.fields["tokenizer.ggml.eos_token_id"].contents()
        m.trainer_spec.pad_id = r.fields["tokenizer.ggml.padding_token_id"].contents()
        m.normalizer_spec.name = "identity"
        m.normalizer_spec.add_dummy_prefix = False
        m.normalizer_spec.remove_extra_whitespaces = False
        m.normalizer_spec.escape_whitespaces = True
        for t, sc, ty in zip(toks, scores, types):
            p = m.pieces.add()
            p.piece, p.score, p.type = t, sc, ty
        self.sp = spm.SentencePieceProcessor(model_proto=m.SerializeToString())
        self.control = {t: i for i, (t, ty) in enumerate(zip(toks, types)) if ty == 3 and t.startswith("<")}

    def encode(self, text: str, add_bos: bool) -> list[int]:
        import re

        ids = [self.bos] if add_bos else []
        pattern = "(" + "|".join(re.escape(t) for t in sorted(self.control, key=len, reverse=True)) + ")"
        for part in re.split(pattern, text):
            if not part:
                continue
            ids += [self.control[part]] if part in self.control else self.sp.encode(part)
        return ids


def run_case(model: NpGemma3, name: str, prompt: str, ids: list[int], n_new: int) -> dict:
    print(f"case {name}: {len(ids)} prompt tokens", file=sys.stderr, flush=True)
    model.reset()
    logits = model.forward(ids)
    generated, top_ids, top_logits, gaps = [], [], [], []
    for step in range(n_new):
        row = logits.astype(np.float32)
        tids, tvals = top_k_stable(row, TOP_K)
        top_ids.append(tids)
        top_logits.append([f32(v) for v in tvals])
        gaps.append((float(tvals[0]) - float(tvals[1]), step))
        generated.append(tids[0])
        if step + 1 < n_new:
            logits = model.forward([tids[0]])
    gap = min(gaps)
    return {"name": name, "prompt": prompt, "prompt_ids": ids, "n_prompt": len(ids), "n_new": n_new,
            "generated_ids": generated, "top_k": TOP_K, "top_ids": top_ids, "top_logits": top_logits,
            "min_top1_top2_gap": {"value": f32(gap[0]), "step": gap[1]}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=Path.home() / ".cache/kvasir/models/gemma-3-270m-q4_k_m.gguf")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[2] / "kvasir-core/src/test/resources/golden")
    ap.add_argument("--new-tokens", type=int, default=24)
    args = ap.parse_args()

    tok = GemmaSpm(args.model)
    model = NpGemma3(args.model)
    # the long prompt: the paragraph twice, > 512 tokens, so local layers see only part of it
    long_prompt = LONG_PARAGRAPH + "\n\n" + LONG_PARAGRAPH
    cases = []
    for name, prompt, special in (("story", STORY_PROMPT, True), ("chat", CHAT_PROMPT, False), ("long", long_prompt, True)):
        ids = tok.encode(prompt, add_bos=special)
        if name == "long" and len(ids) <= model.window:
            raise SystemExit(f"the long prompt has {len(ids)} tokens, not more than the window {model.window}")
        cases.append(run_case(model, name, prompt, ids, args.new_tokens))
    out = {
        "format": "kvasir-golden-v1",
        "model": {"name": "gemma3-270m", "file": args.model.name, "format": "gguf", "sha256": {args.model.name: sha256(args.model)},
                  "config": {"architecture": "gemma3", "n_layers": model.L, "hidden_size": model.D, "n_heads": model.H,
                             "n_kv_heads": model.KV, "head_dim": model.hd, "sliding_window": model.window,
                             "local_layers": [l for l in range(model.L) if model.local[l]],
                             "rope_theta_global": model.theta_global, "rope_theta_local": model.theta_local,
                             "final_logit_softcapping": model.softcap}},
        "reference": {"implementation": "tools/golden/np_gemma3.py (numpy, float64, keys/values of every position, "
                                        "sliding window as a mask)",
                      "tokenizer": "sentencepiece BPE built from the GGUF vocabulary (GemmaSpm; BOS added; the chat "
                                   "case's text holds <bos> itself)",
                      "versions": {p: md.version(p) for p in ("numpy", "gguf", "sentencepiece", "protobuf")}
                      | {"python": platform.python_version()},
                      "decoding": "greedy, EOS does not stop", "script": "tools/golden/make_golden_gemma3.py"},
        "cases": cases,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "gemma3-270m-q4_k_m.json"
    path.write_text(dump(out) + "\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()

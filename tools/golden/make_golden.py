#!/usr/bin/env python3
"""Reference ("golden") outputs for Kvasir's engine tests, made with Hugging Face transformers.

For each model and prompt this records the prompt token ids, a forced 64-step greedy decode, and at
every step the top-5 token ids with their float32 logits and the row's logsumexp. See README.md
beside this file for the format, how to run it and what tolerance to use.

Everything runs in float32 on the CPU with eager attention. Quantized GGUF weights are dequantized
to float32 by transformers' GGUF loader, which is what the Java engine computes with.

Independent checks, all recorded in the output:
  * a float64 numpy forward written here from the raw model file (GGUF tensors as stored, i.e. with
    llama.cpp's interleaved RoPE on the permuted Q/K; safetensors with rotate-half RoPE), teacher-
    forced on the greedy path, compared row by row with transformers' logits;
  * transformers' own full-sequence forward (no KV cache) against the cached step-by-step decode;
  * the prompt ids against a second tokenizer implementation (see tokenizer.crosscheck).
"""

from __future__ import annotations

import argparse
import base64
import importlib.metadata as md
import math
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

from golden_format import dump, f32, sha256, top_k_stable  # noqa: E402  (beside this file)
from np_llama import np_llama_from_gguf, np_llama_from_hf  # noqa: E402  (beside this file)

FORMAT = "kvasir-golden-v1"
TOP_K = 5
N_NEW = 64
LONG_PROMPT_MAX_TOKENS = 300  # including BOS
FULL_LOGITS_MAX_BYTES = 300 * 1024  # base64 text size limit for the optional full step-0 row

STORY_PROMPT = "Once upon a time"
CHAT_MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
# Written for these goldens (simple story English, so the tiny TinyStories models stay in distribution).
# Each model gets the longest whole-word prefix of it that tokenizes to <= 300 tokens.
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


# ----------------------------------------------------------------------------------------------------
# small helpers


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def versions() -> dict:
    def v(name):
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    return {
        "transformers": v("transformers"),
        "torch": torch.__version__,
        "gguf": v("gguf"),
        "tokenizers": v("tokenizers"),
        "safetensors": v("safetensors"),
        "sentencepiece": v("sentencepiece"),
        "accelerate": v("accelerate"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def logsumexp64(row: np.ndarray) -> float:
    r = row.astype(np.float64)
    m = r.max()
    return float(m + math.log(np.exp(r - m).sum()))


def assert_dense_float32(model):
    """The model must compute with plain float32 weights (no packed GGUF linears)."""
    for name, mod in model.named_modules():
        if type(mod).__name__.startswith("Gguf"):
            raise SystemExit(f"{name} is a {type(mod).__name__}: the weights were left packed; expected full dequantization")
    for name, p in model.named_parameters():
        if p.dtype != torch.float32:
            raise SystemExit(f"parameter {name} is {p.dtype}, expected float32")


# ----------------------------------------------------------------------------------------------------
# transformers GGUF workaround (stories260K)


def patch_gguf_special_ids():
    """stories260K.gguf stores padding/separator ids as 0xFFFFFFFF (uint32 -1). transformers' GGUF
    tokenizer reader then indexes the vocab with it and fails; drop such out-of-range special ids from
    the metadata it reads (the tokenizer itself is unaffected: it has no pad token)."""
    import transformers.integrations.gguf.reader as rd

    if getattr(rd.read_gguf_metadata, "_kvasir_patched", False):
        return
    orig = rd.read_gguf_metadata

    def patched(path, *a, **k):
        meta, rest = orig(path, *a, **k)
        n = meta.get("tokenizer.ggml.tokens")
        n = len(n) if isinstance(n, (list, tuple)) else n
        if isinstance(n, int):
            for key in list(meta):
                if key.startswith("tokenizer.ggml.") and key.endswith("_token_id"):
                    val = meta[key]
                    if isinstance(val, int) and not (0 <= val < n):
                        del meta[key]
        return meta, rest

    patched._kvasir_patched = True
    rd.read_gguf_metadata = patched


# ----------------------------------------------------------------------------------------------------
# second tokenizer implementations (cross-checks of the prompt ids)


def spm_from_gguf(path: Path):
    """A SentencePiece BPE model built from the GGUF vocabulary (pieces, scores, types), with the
    settings llama.cpp's SPM tokenizer follows: dummy-prefix space, spaces escaped to U+2581, no
    other normalization, byte fallback. Encodes without BOS."""
    import gguf
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    r = gguf.GGUFReader(str(path))
    toks = r.fields["tokenizer.ggml.tokens"].contents()
    scores = r.fields["tokenizer.ggml.scores"].contents()
    types = r.fields["tokenizer.ggml.token_type"].contents()
    m = pb.ModelProto()
    m.trainer_spec.model_type = pb.TrainerSpec.BPE
    m.trainer_spec.byte_fallback = True
    m.trainer_spec.unk_id, m.trainer_spec.bos_id, m.trainer_spec.eos_id, m.trainer_spec.pad_id = 0, 1, 2, -1
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.add_dummy_prefix = True
    m.normalizer_spec.remove_extra_whitespaces = False
    m.normalizer_spec.escape_whitespaces = True
    for t, s, ty in zip(toks, scores, types):
        p = m.pieces.add()
        p.piece, p.score, p.type = t, s, ty
    return spm.SentencePieceProcessor(model_proto=m.SerializeToString())


# ----------------------------------------------------------------------------------------------------
# models


def load_smollm2(args):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(args.smollm2).expanduser()
    if not path.is_file():
        raise SystemExit(f"SmolLM2 GGUF not found at {path} (pass --smollm2 PATH)")
    d, f = str(path.parent), path.name
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32, attn_implementation="eager")
    import gguf

    r = gguf.GGUFReader(str(path))
    vocab = r.fields["tokenizer.ggml.tokens"].contents()
    digit_tokens = [t for t in vocab if re.search(r"\d", t) and len(t) > 1]
    info = {
        "name": "smollm2-135m-instruct-q4_1",
        "file": path.name,
        "format": "gguf",
        "sha256": {path.name: sha256(path)},
        "loader": f"AutoModelForCausalLM.from_pretrained(dir, gguf_file='{path.name}', dtype=torch.float32, "
                  "attn_implementation='eager'); weights dequantized to float32 by transformers",
        "tokenizer": {
            "source": "transformers GGUF tokenizer (AutoTokenizer.from_pretrained(dir, gguf_file=...)): "
                      "byte-level BPE from tokenizer.ggml.tokens/merges",
            "add_bos": False,
            "add_bos_note": "GGUF tokenizer.ggml.add_bos_token = false (as the original SmolLM2 tokenizer): no BOS; "
                            "the chat template starts with <|im_start|> (id 1, which is also the GGUF bos id)",
            "pre_tokenizer_note": "GGUF tokenizer.ggml.pre = 'smollm' (digits split one by one, then the GPT-2 regex); "
                                  "transformers does not know 'smollm' and applies the GPT-2 regex only, which gives the "
                                  f"same ids for this vocabulary: it has {len(digit_tokens)} multi-character tokens "
                                  "containing a digit and no merge involving a digit",
        },
        "eos_id": int(r.fields["tokenizer.ggml.eos_token_id"].contents()),
        "np_ref": lambda: np_llama_from_gguf(path),
    }
    if digit_tokens:
        raise SystemExit("SmolLM2 vocab has tokens mixing digits with other characters; GPT-2 regex != smollm pre-tokenizer")
    cases = [
        {"name": "story", "prompt": STORY_PROMPT},
        {"name": "chat", "chat_messages": CHAT_MESSAGES},
        {"name": "long", "long": True},
    ]
    return model, tok, info, cases


def load_tinystories(args):
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    d = Path(args.shared) / "models" / "tinystories-656k"
    tok = AutoTokenizer.from_pretrained(str(d))
    model = AutoModelForCausalLM.from_pretrained(str(d), dtype=torch.float32, attn_implementation="eager")
    raw = Tokenizer.from_file(str(d / "tokenizer.json"))
    files = ["model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"]
    info = {
        "name": "tinystories-656k",
        "file": "models/tinystories-656k/ (shared/)",
        "format": "hf",
        "sha256": {f: sha256(d / f) for f in files},
        "loader": "AutoModelForCausalLM.from_pretrained(dir, dtype=torch.float32, attn_implementation='eager')",
        "tokenizer": {
            "source": "transformers AutoTokenizer on tokenizer.json (BPE, 2048; normalizer prepends U+2581 and "
                      "replaces spaces with it; post-processor prepends <|start_story|>)",
            "add_bos": True,
            "add_bos_note": "BOS = <|start_story|> (id 1) is added by tokenizer.json's TemplateProcessing post-processor",
        },
        "eos_id": 2,
        "np_ref": lambda: np_llama_from_hf(d),
        "tok_check": ("tokenizers.Tokenizer.from_file(tokenizer.json).encode(text).ids", lambda s: raw.encode(s).ids),
    }
    cases = [{"name": "story", "prompt": STORY_PROMPT}, {"name": "long", "long": True}]
    return model, tok, info, cases


def load_stories260k(args):
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    path = Path(args.shared) / "models" / "stories260K" / "stories260K.gguf"
    d, f = str(path.parent), path.name
    patch_gguf_special_ids()
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    cfg = AutoConfig.from_pretrained(d, gguf_file=f)
    cfg.pad_token_id = None  # 0xFFFFFFFF in the file; nn.Embedding rejects it as padding_idx
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, config=cfg, dtype=torch.float32,
                                                 attn_implementation="eager")
    sp = spm_from_gguf(path)
    info = {
        "name": "stories260k",
        "file": "models/stories260K/stories260K.gguf (shared/)",
        "format": "gguf",
        "sha256": {path.name: sha256(path)},
        "loader": "AutoModelForCausalLM.from_pretrained(dir, gguf_file='stories260K.gguf', config=cfg, "
                  "dtype=torch.float32, attn_implementation='eager') with cfg.pad_token_id = None",
        "tokenizer": {
            "source": "transformers GGUF tokenizer (SentencePiece-style BPE rebuilt from tokens/scores), loaded "
                      "after dropping the out-of-range special ids (padding/separator = 0xFFFFFFFF) from the metadata "
                      "it reads",
            "add_bos": True,
            "add_bos_note": "the GGUF has no tokenizer.ggml.add_bos_token; llama.cpp and transformers default to adding "
                            "BOS <s> (id 1) for a llama/SentencePiece vocabulary; a space is prepended (dummy prefix)",
        },
        "eos_id": 2,
        "np_ref": lambda: np_llama_from_gguf(path),
        "tok_check": ("[1] + sentencepiece BPE model built from the GGUF pieces/scores/types "
                      "(add_dummy_prefix, escape_whitespaces, byte_fallback, identity normalizer)",
                      lambda s: [1] + sp.encode(s)),
    }
    cases = [{"name": "story", "prompt": STORY_PROMPT}, {"name": "long", "long": True}]
    return model, tok, info, cases


MODELS = {"smollm2": load_smollm2, "tinystories656k": load_tinystories, "stories260k": load_stories260k}


# ----------------------------------------------------------------------------------------------------
# running


def long_prompt_for(tok) -> str:
    words = LONG_PARAGRAPH.split(" ")
    lo, hi = 1, len(words)
    while lo < hi:  # longest word prefix with <= LONG_PROMPT_MAX_TOKENS tokens
        mid = (lo + hi + 1) // 2
        if len(tok(" ".join(words[:mid])).input_ids) <= LONG_PROMPT_MAX_TOKENS:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


@torch.inference_mode()
def greedy(model, prompt_ids, n_new):
    """Forced greedy decode with the KV cache: exactly n_new steps whatever the model emits.
    Returns the float32 logit rows of every step (row i picks generated token i)."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    x = torch.tensor([prompt_ids], dtype=torch.long)
    rows, gen = [], []
    for i in range(n_new):
        out = model(input_ids=x, cache=cache, use_cache=True)  # transformers >= 5.2x name; was past_key_values
        cache = out.cache
        row = out.logits[0, -1].float().numpy().copy()
        rows.append(row)
        nxt = int(top_k_stable(row, 1)[0][0])
        gen.append(nxt)
        x = torch.tensor([[nxt]], dtype=torch.long)
    return gen, np.stack(rows)


@torch.inference_mode()
def full_forward_rows(model, ids, n_prompt):
    out = model(input_ids=torch.tensor([ids], dtype=torch.long), use_cache=False)
    return out.logits[0, n_prompt - 1:].float().numpy()


def run_case(model, tok, info, case, n_new, np_model, want_full):
    rec = {"name": case["name"]}
    if "chat_messages" in case:
        text = tok.apply_chat_template(case["chat_messages"], tokenize=False, add_generation_prompt=True)
        ids = tok(text, add_special_tokens=False).input_ids
        via = tok.apply_chat_template(case["chat_messages"], tokenize=True, add_generation_prompt=True)
        via = via["input_ids"] if isinstance(via, dict) or hasattr(via, "keys") else via
        assert list(via) == list(ids), (via, ids)
        rec["chat_messages"] = case["chat_messages"]
        rec["chat_template"] = "the model's own (GGUF tokenizer.chat_template), add_generation_prompt=true"
        rec["prompt"] = text
    else:
        text = long_prompt_for(tok) if case.get("long") else case["prompt"]
        ids = tok(text).input_ids
        rec["prompt"] = text
    add_bos = info["tokenizer"]["add_bos"]
    if "chat_messages" not in case:
        assert (ids[0] == tok.bos_token_id) == add_bos, (ids[:3], add_bos)
    rec["add_bos"] = add_bos if "chat_messages" not in case else False
    rec["prompt_ids"] = [int(i) for i in ids]
    rec["n_prompt"] = len(ids)
    if "tok_check" in info and "chat_messages" not in case:
        other = info["tok_check"][1](text)
        rec["tokenizer_crosscheck_equal"] = list(other) == list(ids)
        if not rec["tokenizer_crosscheck_equal"]:
            log(f"  !! tokenizer cross-check differs: {other} vs {ids}")
            rec["tokenizer_crosscheck_ids"] = list(other)

    t0 = time.time()
    gen, rows = greedy(model, ids, n_new)
    log(f"  [{case['name']}] {len(ids)} prompt tokens, decoded {n_new} in {time.time() - t0:.1f}s")
    eos = info["eos_id"]
    rec["n_new"] = n_new
    rec["generated_ids"] = gen
    rec["generated_text"] = tok.decode(gen, skip_special_tokens=False)
    rec["eos_id"] = eos
    rec["eos_appeared"] = eos in gen
    rec["eos_first_step"] = gen.index(eos) if eos in gen else None
    rec["top_k"] = TOP_K
    tops = [top_k_stable(r, TOP_K) for r in rows]
    rec["top_ids"] = [[int(i) for i in t[0]] for t in tops]
    rec["top_logits"] = [[f32(v) for v in t[1]] for t in tops]
    rec["logsumexp"] = [f32(logsumexp64(r)) for r in rows]
    lse0 = logsumexp64(rows[0])
    rec["step0"] = {
        "top_ids": rec["top_ids"][0],
        "top_logits": rec["top_logits"][0],
        "top_logprobs": [f32(float(v) - lse0) for v in tops[0][1]],
        "logsumexp": f32(lse0),
    }
    gaps = [float(t[1][0]) - float(t[1][1]) for t in tops]
    j = int(np.argmin(gaps))
    rec["min_top1_top2_gap"] = {"value": f32(gaps[j]), "step": j}
    if want_full:
        b = base64.b64encode(rows[0].astype("<f4").tobytes()).decode("ascii")
        if len(b) <= FULL_LOGITS_MAX_BYTES:
            rec["step0_full_logits"] = {"dtype": "float32", "byteorder": "little", "encoding": "base64",
                                        "n": int(rows[0].size), "data": b}

    # cross-checks on the greedy path (teacher forced): transformers without cache, numpy float64
    seq = ids + gen[:-1]
    nc = full_forward_rows(model, seq, len(ids))
    cc = {"rows": int(rows.shape[0]),
          "transformers_nocache_vs_cached_max_abs_diff": f32(np.abs(nc - rows).max())}
    if np_model is not None:
        t0 = time.time()
        ref = np_model.logits(seq)[len(ids) - 1:]
        diff = np.abs(ref - rows.astype(np.float64))
        cc["numpy_f64_max_abs_diff"] = f32(diff.max())
        cc["numpy_f64_max_abs_diff_top1"] = f32(max(abs(ref[i, g] - rows[i, g]) for i, g in enumerate(gen)))
        cc["numpy_f64_argmax_agree"] = int(sum(int(np.argmax(ref[i])) == g for i, g in enumerate(gen)))
        log(f"  [{case['name']}] numpy f64 check: max|diff| {diff.max():.3g}, argmax agree "
            f"{cc['numpy_f64_argmax_agree']}/{len(gen)} ({time.time() - t0:.1f}s)")
    rec["crosscheck"] = cc
    return rec


def main():
    here = Path(__file__).resolve()
    repo = here.parents[2]
    default_shared = next((p for p in [repo.parent / "shared", Path("/work/shared")] if p.is_dir()), repo.parent / "shared")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(MODELS), help="comma list of: " + ", ".join(MODELS))
    ap.add_argument("--shared", default=os.environ.get("KVASIR_SHARED", str(default_shared)))
    ap.add_argument("--smollm2", default=os.environ.get("KVASIR_SMOLLM2",
                                                        "~/.cache/kvasir/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--out", default=str(repo / "kvasir-core" / "src" / "test" / "resources" / "golden"))
    ap.add_argument("--new-tokens", type=int, default=N_NEW)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-numpy-check", action="store_true", help="skip the float64 numpy cross-check")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    vers = versions()
    for key in args.models.split(","):
        log(f"== {key}")
        model, tok, info, cases = MODELS[key](args)
        model.eval()
        assert_dense_float32(model)
        np_model = None if args.no_numpy_check else info["np_ref"]()
        c = model.config
        doc = {
            "format": FORMAT,
            "model": {
                "name": info["name"],
                "file": info["file"],
                "format": info["format"],
                "sha256": info["sha256"],
                "loader": info["loader"],
                "config": {
                    "architecture": c.model_type,
                    "vocab_size": c.vocab_size,
                    "n_layers": c.num_hidden_layers,
                    "hidden_size": c.hidden_size,
                    "intermediate_size": c.intermediate_size,
                    "n_heads": c.num_attention_heads,
                    "n_kv_heads": c.num_key_value_heads,
                    "head_dim": getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads,
                    "rope_theta": (getattr(c, "rope_parameters", None) or {}).get("rope_theta",
                                                                                  getattr(c, "rope_theta", None)),
                    "rms_norm_eps": c.rms_norm_eps,
                    "tie_word_embeddings": bool(c.tie_word_embeddings),
                    "max_position_embeddings": c.max_position_embeddings,
                },
            },
            "reference": {
                "versions": vers,
                "dtype": "float32",
                "device": "cpu",
                "attn_implementation": "eager",
                "torch_threads": args.threads,
                "decoding": f"greedy (argmax, ties -> lower id) with transformers' KV cache, exactly n_new steps, "
                            f"EOS does not stop it; step i = logits after prompt + generated_ids[:i], and "
                            f"generated_ids[i] = top_ids[i][0]",
                "script": "tools/golden/make_golden.py",
            },
            "tokenizer": {k: v for k, v in info["tokenizer"].items()},
            "cases": [],
        }
        if "tok_check" in info:
            doc["tokenizer"]["crosscheck"] = info["tok_check"][0]
        for i, case in enumerate(cases):
            doc["cases"].append(run_case(model, tok, info, case, args.new_tokens, np_model, want_full=(i == 0)))
        gaps = [(cs["min_top1_top2_gap"]["value"], cs["name"], cs["min_top1_top2_gap"]["step"]) for cs in doc["cases"]]
        g = min(gaps)
        doc["summary"] = {
            "min_top1_top2_gap": {"value": g[0], "case": g[1], "step": g[2]},
            "max_transformers_nocache_vs_cached_diff": max(cs["crosscheck"]["transformers_nocache_vs_cached_max_abs_diff"]
                                                           for cs in doc["cases"]),
        }
        if np_model is not None:
            doc["summary"]["max_numpy_f64_diff"] = max(cs["crosscheck"]["numpy_f64_max_abs_diff"] for cs in doc["cases"])
        path = out_dir / f"{info['name']}.json"
        path.write_text(dump(doc) + "\n", encoding="utf-8")
        log(f"  wrote {path} ({path.stat().st_size} bytes)")
        for cs in doc["cases"]:
            log(f"  [{cs['name']}] gap {cs['min_top1_top2_gap']} eos {cs['eos_first_step']}: {cs['generated_text']!r}")
        del model, np_model


if __name__ == "__main__":
    main()

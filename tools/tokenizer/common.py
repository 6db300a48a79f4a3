"""Shared helpers for the tokenizer expectation scripts (tooling only, not shipped)."""
import json
from pathlib import Path

from gguf import GGUFReader

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
RESOURCES = REPO / "kvasir-core" / "src" / "test" / "resources" / "tokenizer"


def gguf_tokenizer_metadata(path):
    """The tokenizer.* keys of a GGUF file as plain Python values."""
    reader = GGUFReader(str(path))
    out = {}
    for key, field in reader.fields.items():
        if key.startswith("tokenizer."):
            out[key] = field.contents()
    return out


def smollm2_hf_tokenizer(gguf_path):
    """SmolLM2's Hugging Face tokenizer rebuilt from the GGUF vocabulary and merges.

    SmolLM2's tokenizer.json is a byte-level BPE whose pre-tokenizer is
    Sequence[Digits(individual_digits=True), ByteLevel(add_prefix_space=False, use_regex=True)];
    llama.cpp's "smollm" pre-type mirrors it. The control tokens become special added tokens."""
    from tokenizers import Tokenizer, AddedToken, decoders, pre_tokenizers
    from tokenizers.models import BPE

    meta = gguf_tokenizer_metadata(gguf_path)
    tokens = meta["tokenizer.ggml.tokens"]
    types = meta["tokenizer.ggml.token_type"]
    merges = [tuple(m.split(" ", 1)) for m in meta["tokenizer.ggml.merges"]]
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, ty in zip(tokens, types) if ty == 3])
    return tok


def write_json(name, obj):
    RESOURCES.mkdir(parents=True, exist_ok=True)
    path = RESOURCES / name
    path.write_text(_dumps(obj, 0) + "\n", encoding="utf-8")
    print("wrote", path)


def _dumps(obj, depth):
    """JSON with one test case per line: readable diffs, small files."""
    pad = " " * (depth + 1)
    if isinstance(obj, dict) and not ("text" in obj and "ids" in obj):
        items = [pad + json.dumps(k, ensure_ascii=False) + ": " + _dumps(v, depth + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        return "[\n" + ",\n".join(pad + _dumps(v, depth + 1) for v in obj) + "\n" + " " * depth + "]"
    return json.dumps(obj, ensure_ascii=False)

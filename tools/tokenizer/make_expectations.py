#!/usr/bin/env python3
"""Writes the expected token ids that the Java tokenizer tests check against.

Oracles (independent implementations, not llama.cpp ports):
  * stories260K (GGUF, SentencePiece BPE): the `sentencepiece` library, given a model proto
    rebuilt from the GGUF vocabulary (pieces, scores, types; BPE, byte fallback, dummy prefix).
    With special tokens parsed, the text is split on control tokens first and each part gets
    its own dummy prefix, which is what llama.cpp does.
  * SmolLM2-135M-Instruct (GGUF, byte-level BPE, pre "smollm"): Hugging Face `tokenizers`,
    with the tokenizer rebuilt from the GGUF vocabulary and merges (see common.py).
  * TinyStories-656K (tokenizer.json): Hugging Face `tokenizers` on the file itself.

Usage: pip install gguf sentencepiece tokenizers protobuf; python3 tools/tokenizer/make_expectations.py
Needs ../shared beside the repository and the default model in ~/.cache/kvasir/models.
"""
import os
import random
import re
from pathlib import Path

from common import SHARED, gguf_tokenizer_metadata, smollm2_hf_tokenizer, write_json

SMOLLM2 = Path(os.environ.get("KVASIR_CACHE", Path.home() / ".cache" / "kvasir")) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

# Varied texts: prose, code, digits, whitespace runs, unicode of several scripts, emoji,
# contractions, URLs. Chat texts with special tokens are listed separately.
TEXTS = [
    "",
    " ",
    "Hello world",
    " Hello world",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "Once upon a time, there was a little girl named Lily. She loved to play outside.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "public static void main(String[] args) {\n\tSystem.out.println(\"hi\");\n}",
    "for (int i = 0; i < 10; i++) { sum += a[i] * b[i]; }",
    "1234567890",
    "3.14159 and 2,718,281 and 1e-9",
    "Year 2024: 12 apples, 345 pears, 6789 plums",
    "   leading spaces",
    "trailing spaces   ",
    "tabs\tand\t\ttabs",
    "line1\n\nline2\r\nline3\n",
    "\n\n\n",
    "  \t  \n  ",
    "Ünïcödé façade naïve café",
    "日本語のテキストです。",
    "Привет, мир! Как дела?",
    "emoji 🚀🔥 and a family 👨‍👩‍👧",
    "mixed العربية and עברית text",
    "combining e\u0301 vs precomposed \u00e9",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math ∑∫√∞",
    "zero\u200bwidth and non\u00a0breaking",
    "I'm sure you'll see they've done it, isn't it? DON'T WE'LL",
    "http://example.com/path?query=1&b=2#frag",
    "$100.00 #hashtag @user email@example.com",
    "C++ && Rust || Go -> Java => Kotlin",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "!!!!!!!!??????........",
    "ALL CAPS TEXT and MiXeD cAsE",
]

SMOLLM2_CHAT = [
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|><|im_end|>",
    "text<|im_end|>more",
    "<|endoftext|>",
    " <|im_start|> spaced <|im_end|> ",
    "<|im_start|user",
]

STORIES_SPECIAL = [
    "<s>Once upon a time</s>",
    "Hello <s> world",
    "<unk>",
]

TINYSTORIES_EXTRA = [
    "<|start_story|>Once upon a time, there was a dog.<|end_story|>",
    "The end. <|end_story|> And then",
]


def stories260k_sentencepiece():
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    meta = gguf_tokenizer_metadata(SHARED / "models" / "stories260K" / "stories260K.gguf")
    proto = pb.ModelProto()
    for piece, score, ty in zip(meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.scores"], meta["tokenizer.ggml.token_type"]):
        p = proto.pieces.add()
        p.piece, p.score, p.type = piece, score, ty
    proto.trainer_spec.model_type = pb.TrainerSpec.BPE
    proto.trainer_spec.byte_fallback = True
    proto.trainer_spec.unk_id, proto.trainer_spec.bos_id, proto.trainer_spec.eos_id, proto.trainer_spec.pad_id = 0, 1, 2, -1
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = True
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = True
    return spm.SentencePieceProcessor(model_proto=proto.SerializeToString())


def stories260k_cases():
    meta = gguf_tokenizer_metadata(SHARED / "models" / "stories260K" / "stories260K.gguf")
    sp = stories260k_sentencepiece()
    controls = {t: i for i, (t, ty) in enumerate(zip(meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.token_type"])) if ty in (2, 3)}

    def encode_parsing_special(text):
        # llama.cpp: split on control tokens; every text part after the start or a token gets a dummy prefix
        ids = []
        pattern = "(" + "|".join(re.escape(t) for t in sorted(controls, key=len, reverse=True)) + ")"
        for part in re.split(pattern, text):
            if part in controls:
                ids.append(controls[part])
            elif part:
                ids.extend(sp.encode(part))
        return ids

    cases = []
    for text in TEXTS + STORIES_SPECIAL:
        ids = sp.encode(text)
        cases.append({"text": text, "parse_special": False, "add_bos": False, "ids": ids, "decoded": sp.decode(ids)})
        cases.append({"text": text, "parse_special": True, "add_bos": True, "ids": [1] + encode_parsing_special(text)})
    return cases


def smollm2_cases():
    tok = smollm2_hf_tokenizer(SMOLLM2)
    cases = []
    for text in TEXTS + SMOLLM2_CHAT:
        tok.encode_special_tokens = False
        parsed = tok.encode(text, add_special_tokens=False).ids
        cases.append({"text": text, "parse_special": True, "add_bos": False, "ids": parsed,
                      "decoded": tok.decode(parsed, skip_special_tokens=True)})
        if text in SMOLLM2_CHAT:
            tok.encode_special_tokens = True
            cases.append({"text": text, "parse_special": False, "add_bos": False, "ids": tok.encode(text, add_special_tokens=False).ids})
    return cases


def tinystories_cases():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(SHARED / "models" / "tinystories-656k" / "tokenizer.json"))
    cases = []
    for text in TEXTS + TINYSTORIES_EXTRA:
        ids = tok.encode(text, add_special_tokens=False).ids
        case = {"text": text, "parse_special": True, "add_bos": False, "ids": ids}
        # Hugging Face renders <unk> and this file's (normalized) special tokens even when told to
        # skip special tokens; Kvasir does not render them, so only plain texts are checked
        if not {0, 1, 2} & set(ids):
            case["decoded"] = tok.decode(ids, skip_special_tokens=True)
        cases.append(case)
        cases.append({"text": text, "parse_special": True, "add_bos": True, "ids": tok.encode(text).ids})
    return cases


# Characters the random texts are drawn from: the places where regex dialects, Unicode
# versions and whitespace definitions could disagree.
RANDOM_POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    "   \t\n\r",
    "'sStTmMdDlLvVeErR",  # contraction pieces, mixed case
    ".,;:!?-_()[]{}<>/\\|@#$%^&*+=~`\"",
    "\u00a0\u1680\u2000\u2003\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u0085\u000b\u000c\u001c\u001f\u200b\ufeff",
    "éÉüÜñßøåçœſK\u0301\u0308\u0327",  # accents, combining marks, long s, Kelvin sign
    "²³¹½¼٠١٢٣४५६৭০Ⅻⅷ①",  # digits of other scripts, fractions, numerals
    "日本語中文한국어ไทยกขᄀ",
    "Привет мир Ελληνικά עברית العربية",
    "😀🚀🔥👍🏽👨\u200d👩\u200d👧🇫🇷🇩🇪❤️\U0001d518\U0001d52b",
]


def random_texts(seed, count):
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        pools = rng.sample(RANDOM_POOLS, rng.randint(1, 4))
        n = rng.randint(1, 48)
        texts.append("".join(rng.choice(rng.choice(pools)) for _ in range(n)))
    return texts


def random_cases():
    """Random texts through each tokenizer whose oracle we have; no special tokens parsed apart."""
    from tokenizers import Tokenizer

    texts = random_texts(20240611, 150)
    out = {}
    for name, path in [("llama3", SHARED / "tokenizers" / "llama3" / "tokenizer.json"),
                       ("qwen3", SHARED / "tokenizers" / "qwen3" / "tokenizer.json"),
                       ("tinystories656k", SHARED / "models" / "tinystories-656k" / "tokenizer.json")]:
        tok = Tokenizer.from_file(str(path))
        out[name] = [{"text": t, "parse_special": True, "add_bos": False,
                      "ids": tok.encode(t, add_special_tokens=False).ids} for t in texts]
    tok = smollm2_hf_tokenizer(SMOLLM2)
    out["smollm2"] = [{"text": t, "parse_special": True, "add_bos": False,
                       "ids": tok.encode(t, add_special_tokens=False).ids} for t in texts]
    sp = stories260k_sentencepiece()
    out["stories260k"] = [{"text": t, "parse_special": False, "add_bos": False, "ids": sp.encode(t)} for t in texts]
    return out


def main():
    write_json("stories260k.json", {
        "source": "shared/models/stories260K/stories260K.gguf",
        "oracle": "sentencepiece " + __import__("sentencepiece").__version__ + " on the GGUF vocabulary",
        "cases": stories260k_cases()})
    write_json("smollm2.json", {
        "source": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "oracle": "tokenizers " + __import__("tokenizers").__version__ + " on the GGUF vocabulary and merges",
        "cases": smollm2_cases()})
    write_json("tinystories656k.json", {
        "source": "shared/models/tinystories-656k/tokenizer.json",
        "oracle": "tokenizers " + __import__("tokenizers").__version__,
        "cases": tinystories_cases()})
    write_json("random.json", {
        "oracle": "random texts (seed 20240611) through the oracles above and tokenizers on the shared llama3/qwen3 files",
        "cases": random_cases()})


if __name__ == "__main__":
    main()

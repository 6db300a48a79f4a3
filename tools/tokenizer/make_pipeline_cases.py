#!/usr/bin/env python3
"""Expected ids for tokenizer.json pipeline features the shared tokenizers do not exercise.

Trains two tiny BPE vocabularies (byte-level, and SentencePiece-style with byte fallback) on
a fixed corpus, then runs texts through Hugging Face `tokenizers` with variant pipeline
sections: every Split behavior (plain and inverted), Digits, ByteLevel with prefix space,
normalizers, added tokens with lstrip/rstrip/single_word/normalized, TemplateProcessing,
Metaspace prepend schemes. Writes tokenizer/pipeline.json: the two base tokenizer.json
documents and, per variant, the sections that replace the base's and the expected ids.

Two variants carry the Llama 3 and Qwen2/Qwen3 pipelines (their tokenizer.json's normalizer,
Split regex, ByteLevel and ignore_merges) on the tiny vocabulary, checked on more texts: llama.cpp's
tokenizer test vectors (the committed fixture) and the 150 random texts of random.json. The full
vocabularies may not be redistributed; these keep their pre-tokenization tested in a fresh clone.

Usage: pip install tokenizers; python3 tools/tokenizer/make_pipeline_cases.py
"""
import json

from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from common import REPO, RESOURCES, write_json

CORPUS = [
    "Once upon a time there was a little girl named Lily. She loved to play outside in the sun.",
    "The quick brown fox jumps over the lazy dog; the dog, however, was not amused.",
    "In 2024 we counted 1234 apples, 56 pears and 7 plums - a record-breaking year!",
    "def main(args):\n    for item in args:\n        print(item, end=', ')\n",
    "Hello, world! Hello again, world. Goodbye; see you soon, world.",
    "Café naïve résumé — Ünïcödé text with accents and ligatures ﬁ ﬂ.",
] * 20

TEXTS = [
    "",
    "Hello, world!",
    "  Hello   world  ",
    "the dog; the fox, the girl",
    "record-breaking year-end sale",
    "1234 apples and 56 pears",
    "Ünïcödé ﬁne Café",
    "MAGIC words and magic words",
    "a <|raw|> b [LS] c   [RS]   d",
    "word wordy sword word",
    "<sep>Once upon<sep> a time",
    "tab\tand\nnewline",
]


# the pre-tokenizer regexes of Llama 3's and Qwen2/Qwen3's tokenizer.json (they differ in \p{N}{1,3} vs \p{N})
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
FULL_PIPELINES = ("llama3-pipeline", "qwen2-pipeline")


def full_pipeline_texts():
    """TEXTS, llama.cpp's vector texts and random.json's texts, each once, in that order."""
    inp = (REPO / "kvasir-core/src/test/resources/fixtures/tokenizer-vectors/ggml-vocab-llama-bpe.gguf.inp").read_text(encoding="utf-8")
    vectors = inp.split("\n__ggml_vocab_test__\n")[:-1]
    random_cases = json.loads((RESOURCES / "random.json").read_text(encoding="utf-8"))["cases"]["llama3"]
    out = []
    for t in TEXTS + vectors + [c["text"] for c in random_cases]:
        if t not in out:
            out.append(t)
    return out


def train(byte_level):
    if byte_level:
        tok = Tokenizer(models.BPE())
        # no split while training: merges then cross spaces and punctuation, so every split rule shows
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
        trainer = trainers.BpeTrainer(vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      show_progress=False)
        tok.train_from_iterator(CORPUS, trainer)
        return json.loads(tok.to_str())
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    doc = json.loads(tok.to_str())
    # append SentencePiece byte pieces so characters outside the vocabulary fall back to bytes
    vocab = doc["model"]["vocab"]
    for b in range(256):
        vocab.setdefault("<0x%02X>" % b, len(vocab))
    doc["model"]["byte_fallback"] = True
    return doc


def added(content, id_, special=True, lstrip=False, rstrip=False, single_word=False, normalized=False):
    return {"id": id_, "content": content, "single_word": single_word, "lstrip": lstrip, "rstrip": rstrip,
            "normalized": normalized, "special": special}


def split(pattern, behavior, invert=False, regex=True):
    return {"type": "Split", "pattern": {"Regex" if regex else "String": pattern}, "behavior": behavior, "invert": invert}


BYTE_LEVEL_NO_REGEX = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}


def variants(byte_base, sp_base):
    n = len(byte_base["model"]["vocab"])
    out = {}
    for behavior in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]:
        for invert in [False, True]:
            out[f"split-{behavior}{'-inverted' if invert else ''}"] = ("byte", {"pre_tokenizer": {
                "type": "Sequence", "pretokenizers": [split(r"\s+|[,;]", behavior, invert), BYTE_LEVEL_NO_REGEX]}})
    out["split-string-MergedWithNext"] = ("byte", {"pre_tokenizer": {
        "type": "Sequence", "pretokenizers": [split("-", "MergedWithNext", regex=False), BYTE_LEVEL_NO_REGEX]}})
    out["bytelevel-prefix-space"] = ("byte", {"pre_tokenizer": {
        "type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}})
    out["digits-grouped"] = ("byte", {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}})
    out["normalizers"] = ("byte", {"normalizer": {"type": "Sequence", "normalizers": [
        {"type": "NFKC"}, {"type": "Lowercase"}, {"type": "Strip", "strip_left": True, "strip_right": True},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}})
    out["nfd-strip-accents"] = ("byte", {"normalizer": {"type": "Sequence", "normalizers": [
        {"type": "NFD"}, {"type": "StripAccents"}]}})
    out["added-tokens"] = ("byte", {
        "normalizer": {"type": "Lowercase"},
        "added_tokens": [added("<|raw|>", n), added("[LS]", n + 1, lstrip=True), added("[RS]", n + 2, rstrip=True),
                         added("word", n + 3, special=False, single_word=True),
                         added("MAGIC", n + 4, special=False, normalized=True)]})
    out["template-bos"] = ("byte", {
        "added_tokens": [added("<s>", n)],
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [n], "tokens": ["<s>"]}}}})
    llama3_model = dict(byte_base["model"], ignore_merges=True)
    out["llama3-pipeline"] = ("byte", {
        "model": llama3_model,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [split(LLAMA3_REGEX, "Isolated"), {
            "type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}})
    byte_level_plain = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    out["qwen2-pipeline"] = ("byte", {
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [split(QWEN2_REGEX, "Isolated"), byte_level_plain]},
        "post_processor": byte_level_plain, "decoder": byte_level_plain})
    sp_added = [added("<unk>", 0), added("<s>", 1), added("</s>", 2), added("<sep>", 3, special=False)]
    sp_vocab = sp_base["model"]["vocab"]
    sp_vocab.setdefault("<sep>", len(sp_vocab))
    sp_added[3]["id"] = sp_vocab["<sep>"]
    for scheme, split_ in [("always", True), ("first", False), ("never", True)]:
        out[f"metaspace-{scheme}"] = ("sp", {
            "added_tokens": sp_added,
            "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": scheme, "split": split_},
            "decoder": {"type": "Sequence", "decoders": [
                {"type": "Metaspace", "replacement": "▁", "prepend_scheme": scheme, "split": split_},
                {"type": "ByteFallback"}, {"type": "Fuse"}]}})
    return out


def main():
    byte_base = train(True)
    byte_base["decoder"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    sp_base = train(False)
    result = {"bases": {"byte": byte_base, "sp": sp_base}, "variants": {}}
    for name, (base_name, sections) in variants(byte_base, sp_base).items():
        doc = json.loads(json.dumps(result["bases"][base_name]))
        doc.update(sections)
        tok = Tokenizer.from_str(json.dumps(doc))
        cases = []
        for text in full_pipeline_texts() if name in FULL_PIPELINES else TEXTS:
            enc = tok.encode(text, add_special_tokens=False)
            case = {"text": text, "parse_special": True, "add_bos": False, "ids": enc.ids}
            if name.startswith("metaspace") or "normalizer" not in sections:
                case["decoded"] = tok.decode(enc.ids, skip_special_tokens=True)
            cases.append(case)
            if name == "template-bos":
                cases.append({"text": text, "parse_special": True, "add_bos": True, "ids": tok.encode(text).ids})
        result["variants"][name] = {"base": base_name, "sections": sections, "cases": cases}
    write_json("pipeline.json", result)


if __name__ == "__main__":
    main()

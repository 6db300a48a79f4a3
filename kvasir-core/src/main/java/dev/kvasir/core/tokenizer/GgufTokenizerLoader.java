package dev.kvasir.core.tokenizer;

import dev.kvasir.core.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads {@code tokenizer.ggml.*} metadata the way llama.cpp's llama_vocab::load does. */
final class GgufTokenizerLoader {
    private static final String PREFIX = "tokenizer.ggml.";

    private final Map<String, Object> meta;
    private final Path source;

    GgufTokenizerLoader(Map<String, Object> meta, Path source) {
        this.meta = meta;
        this.source = source;
    }

    Tokenizer load() {
        String model = string(PREFIX + "model", true);
        return switch (model) {
            case "llama" -> loadSentencePiece();
            case "gpt2" -> loadByteLevelBpe();
            default -> throw error(PREFIX + "model", "unsupported tokenizer model '" + model
                    + "' (supported: llama = SentencePiece BPE, gpt2 = byte-level BPE)");
        };
    }

    private Tokenizer loadSentencePiece() {
        String[] tokens = tokens();
        TokenType[] types = types(tokens.length);
        Vocabulary vocab = new Vocabulary(tokens, scores(tokens.length), types, Vocabulary.Spelling.SENTENCEPIECE);
        // llama.cpp's defaults for SentencePiece vocabularies
        int unk = tokenId("unknown_token_id", vocab, 0);
        int bos = tokenId("bos_token_id", vocab, 1);
        int eos = tokenId("eos_token_id", vocab, 2);
        boolean addSpacePrefix = bool(PREFIX + "add_space_prefix", true);
        boolean addBos = bool(PREFIX + "add_bos_token", true);
        SegmentEncoder encoder = new SentencePieceEncoder(vocab, addSpacePrefix, unk);
        return new PipelineTokenizer(vocab, addedTokens(vocab), Normalizer.IDENTITY, encoder,
                specials(vocab, bos, eos, addBos), addSpacePrefix);
    }

    private Tokenizer loadByteLevelBpe() {
        String[] tokens = tokens();
        TokenType[] types = types(tokens.length);
        Vocabulary vocab = new Vocabulary(tokens, null, types, Vocabulary.Spelling.BYTE_LEVEL);
        MergeTable merges = merges(vocab);
        String pre = string(PREFIX + "pre", false);
        if (pre == null) pre = "default";
        PreTokenizer split = preTokenizer(pre);
        // Llama 3 takes a word that is itself a vocabulary entry whole (llama.cpp: ignore_merges)
        boolean ignoreMerges = isLlama3(pre);
        int unk = tokenId("unknown_token_id", vocab, -1);
        BpeModel bpe = new BpeModel(vocab, merges, ignoreMerges, false, unk, false);
        SegmentEncoder encoder = new BpeEncoder(PreTokenizer.sequence(List.of(split, PreTokenizer.byteLevel(false, false))), bpe);
        int bos = tokenId("bos_token_id", vocab, -1);
        int eos = tokenId("eos_token_id", vocab, -1);
        boolean addBos = bool(PREFIX + "add_bos_token", false);
        return new PipelineTokenizer(vocab, addedTokens(vocab), Normalizer.IDENTITY, encoder,
                specials(vocab, bos, eos, addBos), false);
    }

    private static boolean isLlama3(String pre) {
        return switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2" -> true;
            default -> false;
        };
    }

    /** The split rules for {@code tokenizer.ggml.pre}, as llama.cpp's llm_tokenizer_bpe sets them. */
    private PreTokenizer preTokenizer(String pre) {
        if (isLlama3(pre)) return regex(PreTokenizer.Patterns.LLAMA3);
        return switch (pre) {
            case "qwen2", "deepseek-r1-qwen", "stablelm2", "hunyuan", "megrez" -> regex(PreTokenizer.Patterns.QWEN2);
            // llama.cpp's default also splits punctuation runs and digit triples first; with no
            // "pre" key we follow the GPT-2 rules every byte-level BPE model was trained with
            case "gpt2", "gpt-2", "default", "phi-2", "mpt", "olmo", "jais", "jina-es", "jina-de",
                 "jina-v2-es", "jina-v2-de" -> regex(PreTokenizer.Patterns.GPT2);
            // SmolLM (and the StarCoder family): every digit alone, then the GPT-2 rules;
            // Hugging Face spells this Sequence[Digits(individual_digits), ByteLevel(use_regex)]
            case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva" ->
                    PreTokenizer.sequence(List.of(PreTokenizer.digits(true), regex(PreTokenizer.Patterns.GPT2)));
            default -> throw error(PREFIX + "pre", "unsupported pre-tokenizer '" + pre + "'");
        };
    }

    private static PreTokenizer regex(String pattern) {
        return PreTokenizer.split(PreTokenizer.compile(pattern), PreTokenizer.Behavior.ISOLATED, false);
    }

    private MergeTable merges(Vocabulary vocab) {
        String key = PREFIX + "merges";
        Object v = meta.get(key);
        if (v == null) throw error(key, "missing (required for a gpt2 tokenizer)");
        if (!(v instanceof String[] merges)) throw error(key, "expected an array of strings, got " + describe(v));
        MergeTable table = new MergeTable(merges.length);
        for (int rank = 0; rank < merges.length; rank++) {
            String m = merges[rank];
            // the separator is the first space after the first character (a token may be a lone space)
            int sep = m == null || m.isEmpty() ? -1 : m.indexOf(' ', 1);
            if (sep < 0) throw error(key, "entry " + rank + " is not two tokens separated by a space: \"" + m + "\"");
            String left = m.substring(0, sep), right = m.substring(sep + 1);
            int l = vocab.id(left), r = vocab.id(right), merged = vocab.id(left + right);
            // llama.cpp tolerates merges whose parts are not in the vocabulary; they can never apply
            if (l >= 0 && r >= 0 && merged >= 0) table.add(l, r, rank, merged);
        }
        return table;
    }

    private List<AddedToken> addedTokens(Vocabulary vocab) {
        List<AddedToken> added = new ArrayList<>();
        for (int i = 0; i < vocab.size(); i++) {
            TokenType t = vocab.type(i);
            if (t.isAddedToken()) added.add(AddedToken.of(vocab.token(i), i, t.isSpecial()));
        }
        return added;
    }

    private PipelineTokenizer.Specials specials(Vocabulary vocab, int bos, int eos, boolean addBos) {
        int eot = tokenId("eot_token_id", vocab, -1);
        int eom = tokenId("eom_token_id", vocab, -1);
        String template = string("tokenizer.chat_template", false);
        return new PipelineTokenizer.Specials(bos, eos, StopTokens.collect(vocab, eos, eot, eom), addBos, template);
    }

    // ---- typed metadata access ---------------------------------------------------------

    private String[] tokens() {
        String key = PREFIX + "tokens";
        Object v = meta.get(key);
        if (v == null) throw error(key, "missing");
        if (!(v instanceof String[] tokens)) throw error(key, "expected an array of strings, got " + describe(v));
        if (tokens.length == 0) throw error(key, "empty vocabulary");
        for (int i = 0; i < tokens.length; i++) if (tokens[i] == null) throw error(key, "entry " + i + " is null");
        return tokens;
    }

    private float[] scores(int n) {
        String key = PREFIX + "scores";
        Object v = meta.get(key);
        if (v == null) return new float[n];
        float[] scores;
        if (v instanceof float[] f) scores = f;
        else if (v instanceof double[] d) {
            scores = new float[d.length];
            for (int i = 0; i < d.length; i++) scores[i] = (float) d[i];
        } else throw error(key, "expected an array of float32, got " + describe(v));
        if (scores.length != n) throw error(key, "has " + scores.length + " entries for " + n + " tokens");
        return scores;
    }

    private TokenType[] types(int n) {
        String key = PREFIX + "token_type";
        Object v = meta.get(key);
        TokenType[] types = new TokenType[n];
        if (v == null) {
            java.util.Arrays.fill(types, TokenType.NORMAL);
            return types;
        }
        long[] codes;
        if (v instanceof int[] a) codes = java.util.Arrays.stream(a).asLongStream().toArray();
        else if (v instanceof long[] a) codes = a;
        else throw error(key, "expected an integer array, got " + describe(v));
        if (codes.length != n) throw error(key, "has " + codes.length + " entries for " + n + " tokens");
        for (int i = 0; i < n; i++) {
            TokenType t = codes[i] >= 0 && codes[i] <= 6 ? TokenType.fromCode((int) codes[i]) : null;
            if (t == null) throw error(key, "entry " + i + " has unknown token type " + codes[i]);
            types[i] = t;
        }
        return types;
    }

    /** A special token id; absent, "none" (0xFFFFFFFF) or out of range gives the default, as llama.cpp. */
    private int tokenId(String name, Vocabulary vocab, int fallback) {
        String key = PREFIX + name;
        Object v = meta.get(key);
        if (v == null) return vocab.contains(fallback) ? fallback : -1;
        if (!(v instanceof Number num) || v instanceof Float || v instanceof Double) {
            throw error(key, "expected an integer, got " + describe(v));
        }
        long id = num.longValue();
        if (id == 0xFFFFFFFFL || id == -1) return -1;
        return id >= 0 && id < vocab.size() ? (int) id : (vocab.contains(fallback) ? fallback : -1);
    }

    private boolean bool(String key, boolean fallback) {
        Object v = meta.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw error(key, "expected a boolean, got " + describe(v));
    }

    private String string(String key, boolean required) {
        Object v = meta.get(key);
        if (v == null) {
            if (required) throw error(key, "missing");
            return null;
        }
        if (v instanceof String s) return s;
        throw error(key, "expected a string, got " + describe(v));
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName();
    }

    private ModelFormatException error(String field, String problem) {
        return new ModelFormatException(source, field, -1, problem);
    }
}

package dev.kvasir.core.tokenizer;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.json.Json;
import dev.kvasir.core.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face {@code tokenizer.json} (BPE model) and, when beside it,
 * {@code tokenizer_config.json} and {@code generation_config.json}. The pipeline sections
 * (normalizer, pre_tokenizer, post_processor, decoder) become the matching pieces; a section
 * of a kind we do not implement is an error rather than a silently different tokenization.
 */
final class HuggingFaceTokenizerLoader {
    private static final List<String> BOS_GUESSES = List.of("<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>");
    private static final List<String> EOS_GUESSES = List.of("<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>");

    private final Path file;

    HuggingFaceTokenizerLoader(Path file) {
        this.file = file;
    }

    Tokenizer load() {
        Map<String, Object> root = object(parse(file), "(root)", file);
        Map<String, Object> model = object(root.get("model"), "model", file);
        checkModelType(model);
        List<AddedToken> added = addedTokens(root);
        boolean byteFallback = bool(model.get("byte_fallback"), "model.byte_fallback", false);
        String unkText = model.get("unk_token") == null ? null : string(model.get("unk_token"), "model.unk_token", file);
        Vocabulary vocab = vocabulary(model, added, byteFallback, unkText, spelling(root, byteFallback));
        int unk = unkText == null ? -1 : vocab.id(unkText);

        MergeTable merges = merges(model.get("merges"), vocab);
        boolean ignoreMerges = bool(model.get("ignore_merges"), "model.ignore_merges", false);
        boolean fuseUnk = bool(model.get("fuse_unk"), "model.fuse_unk", false);
        BpeModel bpe = new BpeModel(vocab, merges, ignoreMerges, byteFallback, unk, fuseUnk);
        Normalizer normalizer = root.get("normalizer") == null ? Normalizer.IDENTITY : normalizer(root.get("normalizer"), "normalizer");
        PreTokenizer pre = root.get("pre_tokenizer") == null ? PreTokenizer.NONE : preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        boolean stripLeadingSpace = stripsLeadingSpace(root.get("decoder"));
        return new PipelineTokenizer(vocab, added, normalizer, new BpeEncoder(pre, bpe), specials(root, vocab), stripLeadingSpace);
    }

    private void checkModelType(Map<String, Object> model) {
        String type = model.containsKey("type") ? string(model.get("type"), "model.type", file) : "BPE";
        if (!type.equals("BPE")) {
            throw new ModelFormatException(file, "model.type", -1, "unsupported model type '" + type + "' (only BPE is implemented)");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            Object v = model.get(affix);
            if (v != null && !string(v, "model." + affix, file).isEmpty()) {
                throw new ModelFormatException(file, "model." + affix, -1, "subword prefixes/suffixes are not supported");
            }
        }
    }

    /** How token strings spell text: byte-level when a ByteLevel step is present, else SentencePiece-like or raw. */
    private static Vocabulary.Spelling spelling(Map<String, Object> root, boolean byteFallback) {
        Object pre = root.get("pre_tokenizer"), decoder = root.get("decoder");
        if (containsType(pre, "ByteLevel") || containsType(decoder, "ByteLevel")) return Vocabulary.Spelling.BYTE_LEVEL;
        if (byteFallback || containsType(decoder, "Metaspace") || containsType(decoder, "ByteFallback")
                || containsType(decoder, "Replace")) {
            return Vocabulary.Spelling.SENTENCEPIECE;
        }
        return Vocabulary.Spelling.RAW;
    }

    /** model.vocab plus the added tokens, which may lie beyond it; ids in neither are unused gaps. */
    private Vocabulary vocabulary(Map<String, Object> model, List<AddedToken> added, boolean byteFallback, String unkText,
                                  Vocabulary.Spelling spelling) {
        Map<String, Object> vocabJson = object(model.get("vocab"), "model.vocab", file);
        int size = 0;
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) size = Math.max(size, id(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]") + 1);
        for (AddedToken t : added) size = Math.max(size, t.id() + 1);
        String[] tokens = new String[size];
        TokenType[] types = new TokenType[size];
        java.util.Arrays.fill(types, TokenType.UNUSED);
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) {
            int id = id(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]");
            tokens[id] = e.getKey();
            types[id] = byteFallback && Vocabulary.byteTokenValue(e.getKey()) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
        }
        for (AddedToken t : added) {
            tokens[t.id()] = t.content();
            types[t.id()] = t.special() ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        if (unkText != null) {
            int unk = -1;
            for (int i = 0; i < size && unk < 0; i++) if (unkText.equals(tokens[i])) unk = i;
            if (unk < 0) throw new ModelFormatException(file, "model.unk_token", -1, "'" + unkText + "' is not in the vocabulary");
            types[unk] = TokenType.UNKNOWN;
        }
        return new Vocabulary(tokens, null, types, spelling);
    }

    /**
     * BOS/EOS from tokenizer_config.json, else from the post-processor template (BOS) and
     * generation_config.json (EOS), else by well-known token texts.
     */
    private PipelineTokenizer.Specials specials(Map<String, Object> root, Vocabulary vocab) {
        Config config = Config.read(file.resolveSibling("tokenizer_config.json"), file.resolveSibling("generation_config.json"));
        int bos = config.bosText != null ? vocab.id(config.bosText) : -1;
        Object post = root.get("post_processor");
        int templateBos = post == null ? -1 : templateBos(post, vocab, "post_processor");
        if (bos < 0) bos = templateBos;
        if (bos < 0) bos = firstPresent(BOS_GUESSES, vocab);
        boolean addBos = config.addBos != null ? config.addBos : templateBos >= 0;
        int eos = config.eosText != null ? vocab.id(config.eosText) : -1;
        if (eos < 0 && config.eosIds.length > 0 && vocab.contains(config.eosIds[0])) eos = config.eosIds[0];
        if (eos < 0) eos = firstPresent(EOS_GUESSES, vocab);
        int[] explicit = new int[config.eosIds.length + 1];
        explicit[0] = eos;
        System.arraycopy(config.eosIds, 0, explicit, 1, config.eosIds.length);
        return new PipelineTokenizer.Specials(bos, eos, StopTokens.collect(vocab, explicit), addBos, config.chatTemplate);
    }

    private List<AddedToken> addedTokens(Map<String, Object> root) {
        List<AddedToken> out = new ArrayList<>();
        Object v = root.get("added_tokens");
        if (v == null) return out;
        List<Object> list = array(v, "added_tokens", file);
        for (int i = 0; i < list.size(); i++) {
            String f = "added_tokens[" + i + "]";
            Map<String, Object> t = object(list.get(i), f, file);
            out.add(new AddedToken(string(t.get("content"), f + ".content", file), id(t.get("id"), f + ".id"),
                    bool(t.get("special"), f + ".special", false), bool(t.get("lstrip"), f + ".lstrip", false),
                    bool(t.get("rstrip"), f + ".rstrip", false), bool(t.get("single_word"), f + ".single_word", false),
                    bool(t.get("normalized"), f + ".normalized", false)));
        }
        return out;
    }

    private MergeTable merges(Object v, Vocabulary vocab) {
        List<Object> list = v == null ? List.of() : array(v, "model.merges", file);
        MergeTable table = new MergeTable(list.size());
        for (int rank = 0; rank < list.size(); rank++) {
            Object m = list.get(rank);
            String field = "model.merges[" + rank + "]";
            String left, right;
            if (m instanceof String s) {
                int sep = s.indexOf(' ', 1); // "a b"; older files, where no token holds a space
                if (sep < 0) throw new ModelFormatException(file, field, -1, "not two tokens separated by a space: \"" + s + "\"");
                left = s.substring(0, sep);
                right = s.substring(sep + 1);
            } else {
                List<Object> pair = array(m, field, file);
                if (pair.size() != 2) throw new ModelFormatException(file, field, -1, "expected a pair of tokens");
                left = string(pair.get(0), field + "[0]", file);
                right = string(pair.get(1), field + "[1]", file);
            }
            int l = vocab.id(left), r = vocab.id(right), merged = vocab.id(left + right);
            if (l < 0 || r < 0 || merged < 0) {
                // Hugging Face refuses such a file too (MergeTokenOutOfVocabulary)
                throw new ModelFormatException(file, field, -1, "merge \"" + left + "\" + \"" + right + "\" uses or makes a token not in the vocabulary");
            }
            table.add(l, r, rank, merged);
        }
        return table;
    }

    // ---- pipeline sections ----------------------------------------------------------------

    private Normalizer normalizer(Object v, String field) {
        Map<String, Object> n = object(v, field, file);
        String type = string(n.get("type"), field + ".type", file);
        return switch (type) {
            case "NFC" -> Normalizer.unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> Normalizer.unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> Normalizer.unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> Normalizer.unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> Normalizer.lowercase();
            case "StripAccents" -> Normalizer.stripAccents();
            case "Prepend" -> Normalizer.prepend(string(n.get("prepend"), field + ".prepend", file));
            case "Replace" -> Normalizer.replace(pattern(n.get("pattern"), field + ".pattern"), string(n.get("content"), field + ".content", file));
            case "Strip" -> Normalizer.strip(bool(n.get("strip_left"), field + ".strip_left", true), bool(n.get("strip_right"), field + ".strip_right", true));
            case "Sequence" -> {
                List<Object> steps = array(n.get("normalizers"), field + ".normalizers", file);
                List<Normalizer> out = new ArrayList<>();
                for (int i = 0; i < steps.size(); i++) out.add(normalizer(steps.get(i), field + ".normalizers[" + i + "]"));
                yield Normalizer.sequence(out);
            }
            default -> throw new ModelFormatException(file, field + ".type", -1, "unsupported normalizer '" + type + "'");
        };
    }

    private PreTokenizer preTokenizer(Object v, String field) {
        Map<String, Object> p = object(v, field, file);
        String type = string(p.get("type"), field + ".type", file);
        return switch (type) {
            case "ByteLevel" -> PreTokenizer.byteLevel(bool(p.get("add_prefix_space"), field + ".add_prefix_space", true),
                    bool(p.get("use_regex"), field + ".use_regex", true));
            case "Split" -> PreTokenizer.split(pattern(p.get("pattern"), field + ".pattern"),
                    behavior(p.get("behavior"), field + ".behavior"), bool(p.get("invert"), field + ".invert", false));
            case "Digits" -> PreTokenizer.digits(bool(p.get("individual_digits"), field + ".individual_digits", false));
            case "Metaspace" -> {
                String rep = p.get("replacement") == null ? "\u2581" : string(p.get("replacement"), field + ".replacement", file);
                if (rep.length() != 1) throw new ModelFormatException(file, field + ".replacement", -1, "expected one character");
                PreTokenizer.PrependScheme scheme = prependScheme(p, field);
                yield PreTokenizer.metaspace(rep.charAt(0), scheme, bool(p.get("split"), field + ".split", true));
            }
            case "Sequence" -> {
                List<Object> steps = array(p.get("pretokenizers"), field + ".pretokenizers", file);
                List<PreTokenizer> out = new ArrayList<>();
                for (int i = 0; i < steps.size(); i++) out.add(preTokenizer(steps.get(i), field + ".pretokenizers[" + i + "]"));
                yield PreTokenizer.sequence(out);
            }
            default -> throw new ModelFormatException(file, field + ".type", -1, "unsupported pre-tokenizer '" + type + "'");
        };
    }

    private PreTokenizer.PrependScheme prependScheme(Map<String, Object> p, String field) {
        Object scheme = p.get("prepend_scheme");
        if (scheme == null) {
            // files written before prepend_scheme existed say add_prefix_space
            return bool(p.get("add_prefix_space"), field + ".add_prefix_space", true) ? PreTokenizer.PrependScheme.ALWAYS
                    : PreTokenizer.PrependScheme.NEVER;
        }
        return switch (string(scheme, field + ".prepend_scheme", file)) {
            case "always" -> PreTokenizer.PrependScheme.ALWAYS;
            case "first" -> PreTokenizer.PrependScheme.FIRST;
            case "never" -> PreTokenizer.PrependScheme.NEVER;
            default -> throw new ModelFormatException(file, field + ".prepend_scheme", -1, "unknown scheme '" + scheme + "'");
        };
    }

    private PreTokenizer.Behavior behavior(Object v, String field) {
        String b = string(v, field, file);
        return switch (b) {
            case "Removed" -> PreTokenizer.Behavior.REMOVED;
            case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
            case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
            default -> throw new ModelFormatException(file, field, -1, "unknown split behavior '" + b + "'");
        };
    }

    /** {"String": literal} or {"Regex": pattern}. */
    private Pattern pattern(Object v, String field) {
        Map<String, Object> p = object(v, field, file);
        if (p.get("String") != null) return Pattern.compile(Pattern.quote(string(p.get("String"), field + ".String", file)));
        String regex = string(p.get("Regex"), field + ".Regex", file);
        try {
            return PreTokenizer.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new ModelFormatException(file, field + ".Regex", -1, "pattern not supported by java.util.regex: " + e.getDescription());
        }
    }

    /** The BOS a TemplateProcessing post-processor puts first in single sequences, or -1. */
    private int templateBos(Object v, Vocabulary vocab, String field) {
        Map<String, Object> p = object(v, field, file);
        String type = string(p.get("type"), field + ".type", file);
        if (type.equals("Sequence")) {
            List<Object> steps = array(p.get("processors"), field + ".processors", file);
            for (int i = 0; i < steps.size(); i++) {
                int bos = templateBos(steps.get(i), vocab, field + ".processors[" + i + "]");
                if (bos >= 0) return bos;
            }
            return -1;
        }
        if (!type.equals("TemplateProcessing")) return -1;
        List<Object> single = array(p.get("single"), field + ".single", file);
        if (single.isEmpty()) return -1;
        Map<String, Object> first = object(single.getFirst(), field + ".single[0]", file);
        if (!(first.get("SpecialToken") instanceof Map<?, ?> special)) return -1;
        String name = string(special.get("id"), field + ".single[0].SpecialToken.id", file);
        // the template names the token; its ids are listed under special_tokens
        if (p.get("special_tokens") instanceof Map<?, ?> specials && specials.get(name) instanceof Map<?, ?> entry
                && entry.get("ids") instanceof List<?> ids && ids.size() == 1) {
            int id = id(ids.getFirst(), field + ".special_tokens." + name + ".ids[0]");
            if (vocab.contains(id)) return id;
        }
        return vocab.id(name);
    }

    /** Hugging Face's Strip decoder (or Metaspace with a prefix) removes the dummy prefix space. */
    private static boolean stripsLeadingSpace(Object v) {
        if (!(v instanceof Map<?, ?> d)) return false;
        Object type = d.get("type");
        if ("Sequence".equals(type) && d.get("decoders") instanceof List<?> steps) {
            for (Object s : steps) if (stripsLeadingSpace(s)) return true;
            return false;
        }
        if ("Strip".equals(type)) {
            return " ".equals(d.get("content")) && d.get("start") instanceof Long start && start > 0;
        }
        if ("Metaspace".equals(type)) {
            Object scheme = d.get("prepend_scheme");
            if (scheme != null) return !"never".equals(scheme);
            return !Boolean.FALSE.equals(d.get("add_prefix_space"));
        }
        return false;
    }

    private static boolean containsType(Object v, String type) {
        if (v instanceof Map<?, ?> m) {
            if (type.equals(m.get("type"))) return true;
            for (Object child : m.values()) if (containsType(child, type)) return true;
        } else if (v instanceof List<?> l) {
            for (Object child : l) if (containsType(child, type)) return true;
        }
        return false;
    }

    private static int firstPresent(List<String> texts, Vocabulary vocab) {
        for (String t : texts) {
            int id = vocab.id(t);
            if (id >= 0 && vocab.type(id).isAddedToken()) return id;
        }
        return -1;
    }

    // ---- tokenizer_config.json / generation_config.json ------------------------------------

    /** What the optional side files say; every field may be absent. */
    private record Config(String bosText, String eosText, Boolean addBos, String chatTemplate, int[] eosIds) {
        static Config read(Path tokenizerConfig, Path generationConfig) {
            String bos = null, eos = null, template = null;
            Boolean addBos = null;
            if (Files.isRegularFile(tokenizerConfig)) {
                Map<String, Object> c = object(parse(tokenizerConfig), "(root)", tokenizerConfig);
                bos = tokenText(c.get("bos_token"), "bos_token", tokenizerConfig);
                eos = tokenText(c.get("eos_token"), "eos_token", tokenizerConfig);
                if (c.get("add_bos_token") != null) addBos = bool(c.get("add_bos_token"), "add_bos_token", tokenizerConfig);
                template = chatTemplate(c.get("chat_template"), tokenizerConfig);
            }
            int[] eosIds = new int[0];
            if (Files.isRegularFile(generationConfig)) {
                Map<String, Object> g = object(parse(generationConfig), "(root)", generationConfig);
                Object e = g.get("eos_token_id");
                if (e instanceof List<?> list) {
                    eosIds = list.stream().filter(x -> x instanceof Long).mapToInt(x -> (int) (long) (Long) x).toArray();
                } else if (e instanceof Long id) {
                    eosIds = new int[] {(int) (long) id};
                }
            }
            return new Config(bos, eos, addBos, template, eosIds);
        }

        /** A token given as "text" or {"content": "text", ...}. */
        private static String tokenText(Object v, String field, Path file) {
            if (v == null) return null;
            if (v instanceof Map<?, ?> m) return string(m.get("content"), field + ".content", file);
            return string(v, field, file);
        }

        /** A template string, or a list of named templates of which "default" is used. */
        private static String chatTemplate(Object v, Path file) {
            if (v == null) return null;
            if (v instanceof String s) return s;
            List<Object> named = array(v, "chat_template", file);
            String first = null;
            for (int i = 0; i < named.size(); i++) {
                Map<String, Object> t = object(named.get(i), "chat_template[" + i + "]", file);
                String template = string(t.get("template"), "chat_template[" + i + "].template", file);
                if ("default".equals(t.get("name"))) return template;
                if (first == null) first = template;
            }
            return first;
        }
    }

    // ---- JSON access with errors that name the file and field -------------------------------

    private static Object parse(Path path) {
        try {
            return Json.parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw new ModelFormatException(path, "not valid JSON", e);
        }
    }

    /** Larger ids would be a corrupt file, not a vocabulary: refuse before allocating for them. */
    private static final int MAX_TOKEN_ID = 1 << 24;

    private int id(Object v, String field) {
        if (v instanceof Long l && l >= 0 && l < MAX_TOKEN_ID) return (int) (long) l;
        throw new ModelFormatException(file, field, -1, "expected a token id, got " + v);
    }

    private static Map<String, Object> object(Object v, String field, Path file) {
        try {
            return Json.asObject(v, field);
        } catch (JsonException e) {
            throw new ModelFormatException(file, field, -1, e.getMessage());
        }
    }

    private static List<Object> array(Object v, String field, Path file) {
        try {
            return Json.asArray(v, field);
        } catch (JsonException e) {
            throw new ModelFormatException(file, field, -1, e.getMessage());
        }
    }

    private static String string(Object v, String field, Path file) {
        try {
            return Json.asString(v, field);
        } catch (JsonException e) {
            throw new ModelFormatException(file, field, -1, e.getMessage());
        }
    }

    private static boolean bool(Object v, String field, Path file) {
        try {
            return Json.asBoolean(v, field);
        } catch (JsonException e) {
            throw new ModelFormatException(file, field, -1, e.getMessage());
        }
    }

    private boolean bool(Object v, String field, boolean fallback) {
        return v == null ? fallback : bool(v, field, file);
    }
}

package dev.kvasir.core.model;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.gguf.GgmlType;
import dev.kvasir.core.gguf.GgufFile;
import dev.kvasir.core.hf.HfConfig;
import dev.kvasir.core.hf.SafetensorsFile;
import dev.kvasir.core.json.Json;
import dev.kvasir.core.tensor.WeightMatrices;
import dev.kvasir.core.tensor.WeightMatrix;
import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.core.tokenizer.Tokenizers;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Builds a {@link Model} from a GGUF file or a Hugging Face directory. */
final class ModelLoader {
    private static final Set<String> ARCHITECTURES = Set.of("llama", "mistral", "qwen2", "qwen3", "smollm", "gemma3");

    private ModelLoader() {}

    static Model load(Path path) {
        if (!Files.exists(path)) throw new ModelFormatException(path, null, -1, "no such file or directory");
        if (Files.isDirectory(path)) return loadHuggingFace(path);
        return loadGguf(path);
    }

    // ---------------------------------------------------------------------------------- GGUF

    private static Model loadGguf(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            Tensors w = tensors(f);
            String arch = f.architecture();
            if (!ARCHITECTURES.contains(arch)) {
                throw new ModelFormatException(path, "general.architecture", -1,
                        "architecture '" + arch + "' is not supported (supported: " + ARCHITECTURES + ")");
            }
            String p = arch + ".";
            int dim = (int) f.getLong(p + "embedding_length");
            int heads = (int) f.getLong(p + "attention.head_count");
            int kvHeads = (int) f.getLong(p + "attention.head_count_kv", heads);
            int headDim = (int) f.getLong(p + "attention.key_length", dim / heads);
            int layers = (int) f.getLong(p + "block_count");
            int vocab = (int) w.require("token_embd.weight").rows();
            boolean gemma = arch.equals("gemma3");
            // llama.cpp's converter permutes Q/K rows for interleaved RoPE only for Llama-family models
            RopeType ropeType = arch.startsWith("qwen") || gemma ? RopeType.NEOX : RopeType.INTERLEAVED;
            int ropeDim = (int) f.getLong(p + "rope.dimension_count", headDim);
            boolean hasBias = w.find(LayerNames.gguf(0).qBias()).isPresent();
            boolean qkNorm = w.find(LayerNames.gguf(0).qNorm()).isPresent();
            boolean tied = w.find("output.weight").isEmpty();
            ModelConfig.Llama3RopeScaling scaling = null;
            boolean hasFreqs = w.find("rope_freqs.weight").isPresent();
            ModelConfig config = new ModelConfig(arch, dim, (int) f.getLong(p + "feed_forward_length"), layers, heads, kvHeads,
                    headDim, vocab, (int) f.getLong(p + "context_length", 2048),
                    f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f), f.getFloat(p + "rope.freq_base", 10000f),
                    ropeType, ropeDim, scaling, hasBias, qkNorm, tied,
                    gemma ? gemmaBlock(f, p, dim, heads, headDim, layers) : null,
                    gemma ? gemmaSlidingWindow(f, p, layers) : null);
            LayerWeights[] lw = layers(w, config, LayerNames::gguf);
            WeightMatrix embedding = matrix(w, "token_embd.weight", vocab, dim);
            WeightMatrix output = tied ? embedding : matrix(w, "output.weight", vocab, dim);
            float[] ropeFactors = hasFreqs ? vector(w, "rope_freqs.weight", ropeDim / 2) : null;
            ModelWeights weights = new ModelWeights(embedding, lw, vector(w, "output_norm.weight", dim), output, ropeFactors);
            Tokenizer tokenizer = Tokenizers.fromGgufMetadata(f.metadata(), path);
            // a Gemma GGUF converted from a base checkpoint carries no template: Gemma's own is used
            String template = f.findString("tokenizer.chat_template").orElse(gemma ? GemmaChatTemplate.SOURCE : null);
            String name = f.findString("general.name").orElse(path.getFileName().toString());
            return new Model(name, path, config, weights, tokenizer, template, f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Gemma 3 as llama.cpp reads it (src/models/gemma3.cpp): embeddings × √dim; queries scaled by
     * 1/√headDim (the 27B model, 62 layers, by 1/√(dim/heads): its query_pre_attn_scalar);
     * optional final logit soft-capping.
     */
    private static ModelConfig.Gemma gemmaBlock(GgufFile f, String p, int dim, int heads, int headDim, int layers) {
        float attnScale = (float) (1.0 / Math.sqrt(layers == 62 ? (double) dim / heads : headDim));
        return new ModelConfig.Gemma((float) Math.sqrt(dim), attnScale, f.getFloat(p + "final_logit_softcapping", 0f));
    }

    /**
     * Gemma 3's local layers: {@code attention.sliding_window} tokens (none when absent or 0),
     * the layer pattern from {@code attention.sliding_window_pattern} (a bool per layer, or a
     * period N: layer l is local unless l % N == N − 1; default 6, five local to one global), and
     * the local RoPE base {@code rope.freq_base_swa} (default 10000), as llama.cpp does.
     */
    private static ModelConfig.SlidingWindow gemmaSlidingWindow(GgufFile f, String p, int layers) {
        long window = f.getLong(p + "attention.sliding_window", 0);
        if (window <= 0) return null;
        boolean[] local = new boolean[layers];
        Object pattern = f.metadata().get(p + "attention.sliding_window_pattern");
        if (pattern instanceof boolean[] given) {
            if (given.length != layers) {
                throw new ModelFormatException(f.path(), p + "attention.sliding_window_pattern", -1,
                        "has " + given.length + " entries for " + layers + " layers");
            }
            local = given.clone();
        } else {
            long period = pattern == null ? 6 : f.getLong(p + "attention.sliding_window_pattern");
            for (int l = 0; l < layers; l++) local[l] = period == 0 || l % period < period - 1;
        }
        if (window > Integer.MAX_VALUE / 4) {
            throw new ModelFormatException(f.path(), p + "attention.sliding_window", -1, "window " + window + " is too large");
        }
        return new ModelConfig.SlidingWindow((int) window, f.getFloat(p + "rope.freq_base_swa", 10000f), local);
    }

    /** The tensor names of decoder block {@code l}, as GGUF and Hugging Face checkpoints spell them. */
    private record LayerNames(String attnNorm, String q, String k, String v, String o, String qBias, String kBias, String vBias,
                              String qNorm, String kNorm, String ffnNorm, String gate, String down, String up,
                              String postAttnNorm, String postFfnNorm) {
        static LayerNames gguf(int l) {
            String b = "blk." + l + ".";
            return new LayerNames(b + "attn_norm.weight", b + "attn_q.weight", b + "attn_k.weight", b + "attn_v.weight",
                    b + "attn_output.weight", b + "attn_q.bias", b + "attn_k.bias", b + "attn_v.bias", b + "attn_q_norm.weight",
                    b + "attn_k_norm.weight", b + "ffn_norm.weight", b + "ffn_gate.weight", b + "ffn_down.weight", b + "ffn_up.weight",
                    b + "post_attention_norm.weight", b + "post_ffw_norm.weight");
        }

        static LayerNames huggingFace(int l) {
            String b = "model.layers." + l + ".", a = b + "self_attn.", m = b + "mlp.";
            return new LayerNames(b + "input_layernorm.weight", a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight",
                    a + "o_proj.weight", a + "q_proj.bias", a + "k_proj.bias", a + "v_proj.bias", a + "q_norm.weight", a + "k_norm.weight",
                    b + "post_attention_layernorm.weight", m + "gate_proj.weight", m + "down_proj.weight", m + "up_proj.weight",
                    null, null);
        }
    }

    /** Every decoder block's weights, each tensor checked against the shape the config implies. */
    private static LayerWeights[] layers(Tensors w, ModelConfig c, java.util.function.IntFunction<LayerNames> names) {
        int dim = c.dim(), q = c.heads() * c.headDim(), kv = c.kvHeads() * c.headDim(), hidden = c.hiddenDim();
        LayerWeights[] lw = new LayerWeights[c.layers()];
        for (int l = 0; l < lw.length; l++) {
            LayerNames n = names.apply(l);
            lw[l] = new LayerWeights(vector(w, n.attnNorm(), dim),
                    matrix(w, n.q(), q, dim), matrix(w, n.k(), kv, dim), matrix(w, n.v(), kv, dim), matrix(w, n.o(), dim, q),
                    c.qkvBias() ? vector(w, n.qBias(), q) : null,
                    c.qkvBias() ? vector(w, n.kBias(), kv) : null,
                    c.qkvBias() ? vector(w, n.vBias(), kv) : null,
                    c.qkNorm() ? vector(w, n.qNorm(), c.headDim()) : null,
                    c.qkNorm() ? vector(w, n.kNorm(), c.headDim()) : null,
                    vector(w, n.ffnNorm(), dim),
                    matrix(w, n.gate(), hidden, dim), matrix(w, n.down(), dim, hidden), matrix(w, n.up(), hidden, dim),
                    c.gemma() != null ? vector(w, n.postAttnNorm(), dim) : null,
                    c.gemma() != null ? vector(w, n.postFfnNorm(), dim) : null);
        }
        return lw;
    }

    static float[] toFloats(GgmlType type, MemorySegment seg, int n) {
        float[] out = new float[n];
        WeightMatrices.of(type, seg, 1, n).dequantizeRow(0, out, 0);
        return out;
    }

    // ---------------------------------------------------------------------- Hugging Face dir

    private static Model loadHuggingFace(Path dir) {
        Path configPath = dir.resolve("config.json");
        Path weightsPath = dir.resolve("model.safetensors");
        Path tokenizerPath = dir.resolve("tokenizer.json");
        for (Path p : new Path[] {configPath, weightsPath, tokenizerPath}) {
            if (!Files.isRegularFile(p)) {
                throw new ModelFormatException(p, null, -1, "missing: a Hugging Face model directory needs config.json, "
                        + "model.safetensors and tokenizer.json");
            }
        }
        HfConfig hc = HfConfig.read(configPath);
        SafetensorsFile st = SafetensorsFile.open(weightsPath);
        try {
            Tensors w = tensors(st);
            String arch = hc.modelType();
            if (!ARCHITECTURES.contains(arch)) {
                throw new ModelFormatException(configPath, "model_type", -1,
                        "model type '" + arch + "' is not supported (supported: " + ARCHITECTURES + ")");
            }
            int dim = hc.hiddenSize(), heads = hc.numAttentionHeads(), kvHeads = hc.numKeyValueHeads();
            int headDim = hc.headDim() > 0 ? hc.headDim() : dim / heads;
            boolean qkNorm = w.find(LayerNames.huggingFace(0).qNorm()).isPresent();
            boolean bias = w.find(LayerNames.huggingFace(0).qBias()).isPresent();
            // Tied checkpoints store the shared matrix once, as either name.
            boolean hasEmbed = w.find("model.embed_tokens.weight").isPresent();
            boolean hasHead = w.find("lm_head.weight").isPresent();
            boolean tied = !(hasEmbed && hasHead);
            ModelConfig.Llama3RopeScaling scaling = llama3Scaling(hc.ropeScaling(), configPath);
            ModelConfig config = new ModelConfig(arch, dim, hc.intermediateSize(), hc.numHiddenLayers(), heads, kvHeads, headDim,
                    hc.vocabSize(), hc.maxPositionEmbeddings(), (float) hc.rmsNormEps(), (float) hc.ropeTheta(), RopeType.NEOX,
                    headDim, scaling, bias, qkNorm, tied);
            LayerWeights[] lw = layers(w, config, LayerNames::huggingFace);
            WeightMatrix embedding = matrix(w, hasEmbed ? "model.embed_tokens.weight" : "lm_head.weight", config.vocabularySize(), dim);
            WeightMatrix output = tied ? embedding : matrix(w, "lm_head.weight", config.vocabularySize(), dim);
            ModelWeights weights = new ModelWeights(embedding, lw, vector(w, "model.norm.weight", dim), output, null);
            Tokenizer tokenizer = Tokenizers.fromHuggingFaceJson(tokenizerPath);
            String template = readChatTemplate(dir);
            return new Model(dir.getFileName().toString(), dir, config, weights, tokenizer, template, st);
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
    }

    private static ModelConfig.Llama3RopeScaling llama3Scaling(Map<String, Object> rs, Path configPath) {
        if (rs == null) return null;
        Object type = rs.getOrDefault("rope_type", rs.get("type"));
        if (!"llama3".equals(type)) {
            throw new ModelFormatException(configPath, "rope_scaling", -1, "rope scaling type '" + type
                    + "' is not supported (supported: llama3)");
        }
        return new ModelConfig.Llama3RopeScaling((float) Json.asDouble(rs.get("factor"), "rope_scaling.factor"),
                (float) Json.asDouble(rs.get("low_freq_factor"), "rope_scaling.low_freq_factor"),
                (float) Json.asDouble(rs.get("high_freq_factor"), "rope_scaling.high_freq_factor"),
                (int) Json.asLong(rs.get("original_max_position_embeddings"), "rope_scaling.original_max_position_embeddings"));
    }

    private static String readChatTemplate(Path dir) {
        Path cfg = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(cfg)) return null;
        try {
            Object v = Json.asObject(Json.parse(Files.readString(cfg), cfg.toString()), cfg.toString()).get("chat_template");
            return v instanceof String s ? s : null;
        } catch (IOException e) {
            throw new ModelFormatException(cfg, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * One tensor of either format, located and checked: what {@link #matrix} and {@link #vector}
     * need, so both loaders share the shape checks and their error messages.
     */
    private record Located(GgmlType type, long rows, long cols, long elements, long offset, MemorySegment data) {}

    /** Looks a tensor up by name in one model file (GGUF or safetensors). */
    private interface Tensors {
        Path path();

        /** The tensor, checked to be of a supported type, or empty when the file has none of that name. */
        Optional<Located> find(String name);

        default Located require(String name) {
            return find(name).orElseThrow(() -> new ModelFormatException(path(), name, -1, "tensor is missing"));
        }
    }

    private static Tensors tensors(GgufFile f) {
        return new Tensors() {
            @Override public Path path() { return f.path(); }

            @Override public Optional<Located> find(String name) {
                return f.tensor(name).map(t -> {
                    f.requireSupported(t);
                    return new Located(t.type(), t.rows(), t.cols(), t.elements(), t.offset(), f.tensorData(t));
                });
            }
        };
    }

    private static Tensors tensors(SafetensorsFile f) {
        return new Tensors() {
            @Override public Path path() { return f.path(); }

            @Override public Optional<Located> find(String name) {
                return f.tensor(name).map(t -> {
                    f.requireSupported(t);
                    return new Located(t.ggmlType(), t.rows(), t.cols(), t.elements(), t.offset(), f.data(t));
                });
            }
        };
    }

    private static WeightMatrix matrix(Tensors f, String name, int rows, int cols) {
        Located t = f.require(name);
        if (t.rows() != rows || t.cols() != cols) {
            throw new ModelFormatException(f.path(), name, t.offset(), "shape is " + t.rows() + "x" + t.cols()
                    + " (rows x cols) but the model configuration needs " + rows + "x" + cols);
        }
        return WeightMatrices.of(t.type(), t.data(), rows, cols);
    }

    private static float[] vector(Tensors f, String name, int n) {
        Located t = f.require(name);
        if (t.elements() != n) {
            throw new ModelFormatException(f.path(), name, t.offset(), "has " + t.elements() + " elements, expected " + n);
        }
        return toFloats(t.type(), t.data(), n);
    }
}

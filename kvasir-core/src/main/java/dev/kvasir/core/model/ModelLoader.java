package dev.kvasir.core.model;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.gguf.GgmlType;
import dev.kvasir.core.gguf.GgufFile;
import dev.kvasir.core.gguf.GgufTensorInfo;
import dev.kvasir.core.hf.HfConfig;
import dev.kvasir.core.hf.SafetensorsFile;
import dev.kvasir.core.hf.SafetensorsTensor;
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
    private static final Set<String> ARCHITECTURES = Set.of("llama", "mistral", "qwen2", "qwen3", "smollm");

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
            GgufTensorInfo embd = tensor(f, "token_embd.weight");
            int vocab = embd.rows();
            boolean qwen = arch.startsWith("qwen");
            RopeType ropeType = qwen ? RopeType.NEOX : RopeType.INTERLEAVED;
            int ropeDim = (int) f.getLong(p + "rope.dimension_count", headDim);
            boolean hasBias = f.tensor("blk.0.attn_q.bias").isPresent();
            boolean qkNorm = f.tensor("blk.0.attn_q_norm.weight").isPresent();
            boolean tied = f.tensor("output.weight").isEmpty();
            ModelConfig.Llama3RopeScaling scaling = null;
            Optional<GgufTensorInfo> freqs = f.tensor("rope_freqs.weight");
            ModelConfig config = new ModelConfig(arch, dim, (int) f.getLong(p + "feed_forward_length"), layers, heads, kvHeads,
                    headDim, vocab, (int) f.getLong(p + "context_length", 2048),
                    f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f), f.getFloat(p + "rope.freq_base", 10000f),
                    ropeType, ropeDim, scaling, hasBias, qkNorm, tied);
            LayerWeights[] lw = new LayerWeights[layers];
            for (int l = 0; l < layers; l++) {
                String b = "blk." + l + ".";
                lw[l] = new LayerWeights(vector(f, b + "attn_norm.weight", dim),
                        matrix(f, b + "attn_q.weight", heads * headDim, dim),
                        matrix(f, b + "attn_k.weight", kvHeads * headDim, dim),
                        matrix(f, b + "attn_v.weight", kvHeads * headDim, dim),
                        matrix(f, b + "attn_output.weight", dim, heads * headDim),
                        hasBias ? vector(f, b + "attn_q.bias", heads * headDim) : null,
                        hasBias ? vector(f, b + "attn_k.bias", kvHeads * headDim) : null,
                        hasBias ? vector(f, b + "attn_v.bias", kvHeads * headDim) : null,
                        qkNorm ? vector(f, b + "attn_q_norm.weight", headDim) : null,
                        qkNorm ? vector(f, b + "attn_k_norm.weight", headDim) : null,
                        vector(f, b + "ffn_norm.weight", dim),
                        matrix(f, b + "ffn_gate.weight", config.hiddenDim(), dim),
                        matrix(f, b + "ffn_down.weight", dim, config.hiddenDim()),
                        matrix(f, b + "ffn_up.weight", config.hiddenDim(), dim));
            }
            WeightMatrix embedding = matrix(f, "token_embd.weight", vocab, dim);
            WeightMatrix output = tied ? embedding : matrix(f, "output.weight", vocab, dim);
            float[] ropeFactors = freqs.isPresent() ? vector(f, "rope_freqs.weight", ropeDim / 2) : null;
            ModelWeights weights = new ModelWeights(embedding, lw, vector(f, "output_norm.weight", dim), output, ropeFactors);
            Tokenizer tokenizer = Tokenizers.fromGgufMetadata(f.metadata(), path);
            String template = f.findString("tokenizer.chat_template").orElse(null);
            String name = f.findString("general.name").orElse(path.getFileName().toString());
            return new Model(name, path, config, weights, tokenizer, template, f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static GgufTensorInfo tensor(GgufFile f, String name) {
        return f.tensor(name).orElseThrow(() -> new ModelFormatException(f.path(), name, -1, "tensor is missing"));
    }

    private static WeightMatrix matrix(GgufFile f, String name, int rows, int cols) {
        GgufTensorInfo t = tensor(f, name);
        f.requireSupported(t);
        if (t.rows() != rows || t.cols() != cols) {
            throw new ModelFormatException(f.path(), name, t.offset(), "shape is " + t.rows() + "x" + t.cols()
                    + " (rows x cols) but the model configuration needs " + rows + "x" + cols);
        }
        return WeightMatrices.of(t.type(), f.tensorData(t), rows, cols);
    }

    private static float[] vector(GgufFile f, String name, int n) {
        GgufTensorInfo t = tensor(f, name);
        f.requireSupported(t);
        if (t.elements() != n) {
            throw new ModelFormatException(f.path(), name, t.offset(), "has " + t.elements() + " elements, expected " + n);
        }
        return toFloats(t.type(), f.tensorData(t), n);
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
            String arch = hc.modelType();
            if (!ARCHITECTURES.contains(arch)) {
                throw new ModelFormatException(configPath, "model_type", -1,
                        "model type '" + arch + "' is not supported (supported: " + ARCHITECTURES + ")");
            }
            int dim = hc.hiddenSize(), heads = hc.numAttentionHeads(), kvHeads = hc.numKeyValueHeads();
            int headDim = hc.headDim() > 0 ? hc.headDim() : dim / heads;
            boolean qkNorm = st.tensor("model.layers.0.self_attn.q_norm.weight").isPresent();
            boolean bias = st.tensor("model.layers.0.self_attn.q_proj.bias").isPresent();
            // Tied checkpoints store the shared matrix once, as either name.
            boolean hasEmbed = st.tensor("model.embed_tokens.weight").isPresent();
            boolean hasHead = st.tensor("lm_head.weight").isPresent();
            boolean tied = !(hasEmbed && hasHead);
            ModelConfig.Llama3RopeScaling scaling = llama3Scaling(hc.ropeScaling(), configPath);
            ModelConfig config = new ModelConfig(arch, dim, hc.intermediateSize(), hc.numHiddenLayers(), heads, kvHeads, headDim,
                    hc.vocabSize(), hc.maxPositionEmbeddings(), (float) hc.rmsNormEps(), (float) hc.ropeTheta(), RopeType.NEOX,
                    headDim, scaling, bias, qkNorm, tied);
            LayerWeights[] lw = new LayerWeights[config.layers()];
            for (int l = 0; l < config.layers(); l++) {
                String b = "model.layers." + l + ".";
                String a = b + "self_attn.";
                String m = b + "mlp.";
                lw[l] = new LayerWeights(vector(st, b + "input_layernorm.weight", dim),
                        matrix(st, a + "q_proj.weight", heads * headDim, dim),
                        matrix(st, a + "k_proj.weight", kvHeads * headDim, dim),
                        matrix(st, a + "v_proj.weight", kvHeads * headDim, dim),
                        matrix(st, a + "o_proj.weight", dim, heads * headDim),
                        bias ? vector(st, a + "q_proj.bias", heads * headDim) : null,
                        bias ? vector(st, a + "k_proj.bias", kvHeads * headDim) : null,
                        bias ? vector(st, a + "v_proj.bias", kvHeads * headDim) : null,
                        qkNorm ? vector(st, a + "q_norm.weight", headDim) : null,
                        qkNorm ? vector(st, a + "k_norm.weight", headDim) : null,
                        vector(st, b + "post_attention_layernorm.weight", dim),
                        matrix(st, m + "gate_proj.weight", config.hiddenDim(), dim),
                        matrix(st, m + "down_proj.weight", dim, config.hiddenDim()),
                        matrix(st, m + "up_proj.weight", config.hiddenDim(), dim));
            }
            WeightMatrix embedding = matrix(st, hasEmbed ? "model.embed_tokens.weight" : "lm_head.weight", config.vocabularySize(), dim);
            WeightMatrix output = tied ? embedding : matrix(st, "lm_head.weight", config.vocabularySize(), dim);
            ModelWeights weights = new ModelWeights(embedding, lw, vector(st, "model.norm.weight", dim), output, null);
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

    private static SafetensorsTensor tensor(SafetensorsFile f, String name) {
        return f.tensor(name).orElseThrow(() -> new ModelFormatException(f.path(), name, -1, "tensor is missing"));
    }

    private static WeightMatrix matrix(SafetensorsFile f, String name, int rows, int cols) {
        SafetensorsTensor t = tensor(f, name);
        f.requireSupported(t);
        if (t.rows() != rows || t.cols() != cols) {
            throw new ModelFormatException(f.path(), name, t.offset(), "shape is " + t.rows() + "x" + t.cols()
                    + " but the configuration needs " + rows + "x" + cols);
        }
        return WeightMatrices.of(t.ggmlType(), f.data(t), rows, cols);
    }

    private static float[] vector(SafetensorsFile f, String name, int n) {
        SafetensorsTensor t = tensor(f, name);
        f.requireSupported(t);
        long elements = 1;
        for (long d : t.shape()) elements *= d;
        if (elements != n) throw new ModelFormatException(f.path(), name, t.offset(), "has " + elements + " elements, expected " + n);
        return toFloats(t.ggmlType(), f.data(t), n);
    }
}

package dev.kvasir.core.model;

/**
 * Hyper-parameters of a Llama-family decoder (Llama 2/3, Mistral, SmolLM2, Qwen2/2.5, Qwen3).
 *
 * @param architecture   e.g. "llama", "qwen2", "qwen3"
 * @param dim            hidden size
 * @param hiddenDim      FFN inner size
 * @param layers         decoder blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (GQA when fewer than heads)
 * @param headDim        per-head size (dim / heads unless the model says otherwise)
 * @param vocabularySize rows of the embedding
 * @param contextLength  trained context window
 * @param rmsNormEps     epsilon of RMSNorm
 * @param ropeTheta      RoPE base frequency
 * @param ropeType       dimension pairing of RoPE
 * @param ropeDim        rotated dimensions per head (headDim for all supported models)
 * @param ropeScaling    Llama 3.1 frequency scaling, or null
 * @param qkvBias        Q/K/V projections have biases (Qwen2)
 * @param qkNorm         RMSNorm on each Q and K head before RoPE (Qwen3)
 * @param tiedEmbeddings the output projection is the token embedding
 * @param gemma          the Gemma 3 block (post-norms, GELU, scaled embeddings, ...), or null
 * @param sliding        the sliding-window (local) layers and their RoPE base, or null when every layer is global
 */
public record ModelConfig(String architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads, int headDim,
                          int vocabularySize, int contextLength, float rmsNormEps, float ropeTheta, RopeType ropeType,
                          int ropeDim, Llama3RopeScaling ropeScaling, boolean qkvBias, boolean qkNorm,
                          boolean tiedEmbeddings, Gemma gemma, SlidingWindow sliding) {

    /** A Llama-family configuration: no Gemma block, every layer global. */
    public ModelConfig(String architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads, int headDim,
                       int vocabularySize, int contextLength, float rmsNormEps, float ropeTheta, RopeType ropeType,
                       int ropeDim, Llama3RopeScaling ropeScaling, boolean qkvBias, boolean qkNorm, boolean tiedEmbeddings) {
        this(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, vocabularySize, contextLength, rmsNormEps, ropeTheta,
                ropeType, ropeDim, ropeScaling, qkvBias, qkNorm, tiedEmbeddings, null, null);
    }

    /**
     * The parts of a Gemma 3 block that a Llama block lacks: RMSNorms after attention and after
     * the MLP (their GGUF weights already hold Gemma's 1 + w), a GELU (tanh) gated MLP, token
     * embeddings multiplied by {@code embeddingScale} (√dim), queries scaled by
     * {@code attentionScale} (query_pre_attn_scalar^-½) and, when {@code finalLogitSoftcap > 0},
     * logits passed through cap·tanh(logit / cap).
     */
    public record Gemma(float embeddingScale, float attentionScale, float finalLogitSoftcap) {}

    /**
     * Sliding-window attention on the layers where {@code local[l]}: token p attends positions
     * (p − window, p], with RoPE base {@code localRopeTheta}; the other layers see the whole
     * context with the model's {@code ropeTheta}.
     */
    public record SlidingWindow(int window, float localRopeTheta, boolean[] local) {
        public SlidingWindow {
            if (window <= 1) throw new IllegalArgumentException("invalid model configuration: sliding window = " + window);
            local = local.clone();
        }

        public boolean isLocal(int layer) { return local[layer]; }

        /** The layers that hold the whole context. */
        public int globalLayers() {
            int n = 0;
            for (boolean b : local) if (!b) n++;
            return n;
        }
    }

    /** Llama 3.1 "llama3" rope scaling (HF rope_scaling with rope_type llama3). */
    public record Llama3RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength) {}

    public ModelConfig {
        require(dim > 0, "dim", dim);
        require(hiddenDim > 0, "hiddenDim", hiddenDim);
        require(layers > 0, "layers", layers);
        require(heads > 0, "heads", heads);
        require(kvHeads > 0 && heads % kvHeads == 0, "kvHeads (must divide heads=" + heads + ")", kvHeads);
        require(headDim > 0 && headDim % 2 == 0, "headDim (must be even)", headDim);
        require(vocabularySize > 0, "vocabularySize", vocabularySize);
        require(contextLength > 0, "contextLength", contextLength);
        require(ropeDim > 0 && ropeDim <= headDim && ropeDim % 2 == 0, "ropeDim", ropeDim);
        if (sliding != null) {
            require(sliding.local().length == layers, "sliding-window layer pattern length (layers=" + layers + ")", sliding.local().length);
            require(sliding.globalLayers() > 0, "global layers (a sliding-window model needs one)", 0);
        }
    }

    private static void require(boolean ok, String what, int value) {
        if (!ok) throw new IllegalArgumentException("invalid model configuration: " + what + " = " + value);
    }

    /** True when layer {@code l} attends only its sliding window. */
    public boolean isLocal(int l) { return sliding != null && sliding.isLocal(l); }

    public int groupSize() { return heads / kvHeads; }

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }

    /** Bytes of key+value per token over all layers, keys and values at the given precisions. */
    public long kvBytesPerToken(dev.kvasir.core.kv.KvPrecision keys, dev.kvasir.core.kv.KvPrecision values) {
        return (long) layers * kvHeads * (keys.bytesPerVector(headDim) + values.bytesPerVector(headDim));
    }
}

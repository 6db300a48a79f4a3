package dev.kvasir.core.hf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The architecture hyper-parameters of a Hugging Face model, from its config.json.
 *
 * @param modelType             model_type, e.g. "llama", "qwen2"
 * @param architectures         architectures (empty when absent)
 * @param numKeyValueHeads      num_key_value_heads, defaulting to num_attention_heads
 * @param headDim               head_dim when given, else hidden_size / num_attention_heads
 * @param ropeTheta             rope_theta (or rope_parameters.rope_theta), default 10000
 * @param ropeScaling           rope_scaling as read, or null when absent or null
 * @param bosTokenId            bos_token_id, or -1 when absent
 * @param eosTokenIds           eos_token_id, one id or a list (empty when absent)
 * @param torchDtype            torch_dtype (or dtype), or null when absent
 * @param raw                   the whole config, for fields not modelled here
 */
public record HfConfig(
        String modelType,
        List<String> architectures,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        Map<String, Object> ropeScaling,
        int maxPositionEmbeddings,
        int vocabSize,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int[] eosTokenIds,
        boolean attentionBias,
        String torchDtype,
        Map<String, Object> raw) {

    public static final String FILE_NAME = "config.json";

    public HfConfig {
        eosTokenIds = eosTokenIds.clone();
    }

    @Override
    public int[] eosTokenIds() { return eosTokenIds.clone(); }

    /** Reads {@code configJson}; a missing or wrongly typed field is a ModelFormatException naming it. */
    public static HfConfig read(Path configJson) {
        return from(JsonFiles.readObject(configJson), configJson);
    }

    /** Builds a config from parsed JSON; {@code source} names the file in error messages. */
    public static HfConfig from(Map<String, Object> json, Path source) {
        ConfigFields f = new ConfigFields(json, source);
        int hidden = f.positiveInt("hidden_size");
        int heads = f.positiveInt("num_attention_heads");
        int kvHeads = f.optionalPositiveInt("num_key_value_heads", heads);
        if (heads % kvHeads != 0) {
            throw f.error("num_key_value_heads", kvHeads + " does not divide num_attention_heads " + heads);
        }
        int headDim = f.optionalPositiveInt("head_dim", -1);
        if (headDim < 0) {
            if (hidden % heads != 0) {
                throw f.error("num_attention_heads", heads + " does not divide hidden_size " + hidden + " and head_dim is absent");
            }
            headDim = hidden / heads;
        }
        return new HfConfig(
                f.string("model_type"),
                f.stringList("architectures"),
                hidden,
                f.positiveInt("intermediate_size"),
                f.positiveInt("num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                f.positiveDouble("rms_norm_eps"),
                f.ropeTheta(),
                f.objectOrNull("rope_scaling"),
                f.positiveInt("max_position_embeddings"),
                f.positiveInt("vocab_size"),
                f.optionalBoolean("tie_word_embeddings", false),
                f.optionalTokenId("bos_token_id"),
                f.tokenIds("eos_token_id"),
                f.optionalBoolean("attention_bias", false),
                f.optionalString("torch_dtype", f.optionalString("dtype", null)),
                Collections.unmodifiableMap(json));
    }
}

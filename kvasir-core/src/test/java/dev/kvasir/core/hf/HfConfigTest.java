package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class HfConfigTest {
    @TempDir
    Path dir;

    private static final String MINIMAL = """
            {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "rms_norm_eps": 1e-5, "max_position_embeddings": 256, "vocab_size": 100%s}""";

    private HfConfig read(String extra) throws IOException {
        return HfConfig.read(Files.writeString(dir.resolve("config.json"), MINIMAL.formatted(extra)));
    }

    private ModelFormatException refused(String json) throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), json);
        Throwable t = catchThrowable(() -> HfConfig.read(file));
        assertThat(t).isInstanceOf(ModelFormatException.class).hasMessageContaining("config.json");
        return (ModelFormatException) t;
    }

    @Test
    void tinyStories() {
        HfConfig c = HfConfig.read(TestResources.tinystories656k().resolve("config.json"));
        assertThat(c.modelType()).isEqualTo("llama");
        assertThat(c.architectures()).containsExactly("LlamaForCausalLM");
        assertThat(c.hiddenSize()).isEqualTo(128);
        assertThat(c.intermediateSize()).isEqualTo(384);
        assertThat(c.numHiddenLayers()).isEqualTo(2);
        assertThat(c.numAttentionHeads()).isEqualTo(8);
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.ropeScaling()).isNull();
        assertThat(c.maxPositionEmbeddings()).isEqualTo(512);
        assertThat(c.vocabSize()).isEqualTo(2048);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.bosTokenId()).isEqualTo(1);
        assertThat(c.eosTokenIds()).containsExactly(2);
        assertThat(c.attentionBias()).isFalse();
        assertThat(c.torchDtype()).isEqualTo("float32");
        assertThat(c.raw()).containsEntry("hidden_act", "silu");
    }

    @Test
    void defaults() throws IOException {
        HfConfig c = read("");
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.ropeScaling()).isNull();
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.attentionBias()).isFalse();
        assertThat(c.bosTokenId()).isEqualTo(-1);
        assertThat(c.eosTokenIds()).isEmpty();
        assertThat(c.torchDtype()).isNull();
        assertThat(c.architectures()).isEmpty();
    }

    @Test
    void optionalFieldsWhenPresent() throws IOException {
        HfConfig c = read("""
                , "num_key_value_heads": 2, "head_dim": 32, "rope_theta": 1000000, "tie_word_embeddings": true,
                "rope_scaling": {"rope_type": "llama3", "factor": 8.0}, "eos_token_id": [128001, 128008, 128009],
                "bos_token_id": null, "attention_bias": true, "dtype": "bfloat16\"""");
        assertThat(c.numKeyValueHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(c.ropeTheta()).isEqualTo(1_000_000.0);
        assertThat(c.ropeScaling()).containsEntry("rope_type", "llama3").containsEntry("factor", 8.0);
        assertThat(c.eosTokenIds()).containsExactly(128001, 128008, 128009);
        assertThat(c.bosTokenId()).isEqualTo(-1);
        assertThat(c.attentionBias()).isTrue();
        assertThat(c.torchDtype()).isEqualTo("bfloat16");
    }

    @Test
    void ropeThetaFromRopeParameters() throws IOException {
        assertThat(read(", \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 500000.0}").ropeTheta())
                .isEqualTo(500000.0);
    }

    @Test
    void missingAndWronglyTypedFieldsAreNamed() throws IOException {
        ModelFormatException e = refused("{\"model_type\": \"llama\"}");
        assertThat(e.field()).isEqualTo("hidden_size");
        assertThat(e).hasMessageContaining("missing required field");
        assertThat(refused(MINIMAL.formatted("").replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"")))
                .hasMessageContaining("'hidden_size'").hasMessageContaining("expected an integer");
        assertThat(refused(MINIMAL.formatted("").replace("\"hidden_size\": 64", "\"hidden_size\": -64")))
                .hasMessageContaining("'hidden_size'").hasMessageContaining("positive");
        assertThat(refused(MINIMAL.formatted("").replace("\"rms_norm_eps\": 1e-5", "\"rms_norm_eps\": \"small\"")))
                .hasMessageContaining("'rms_norm_eps'");
        assertThat(refused(MINIMAL.formatted(", \"eos_token_id\": \"</s>\""))).hasMessageContaining("'eos_token_id'");
        assertThat(refused(MINIMAL.formatted(", \"rope_scaling\": 2"))).hasMessageContaining("'rope_scaling'");
        assertThat(refused(MINIMAL.formatted(", \"tie_word_embeddings\": 1"))).hasMessageContaining("'tie_word_embeddings'");
        assertThat(refused(MINIMAL.formatted(", \"num_key_value_heads\": 3"))).hasMessageContaining("does not divide");
        assertThat(refused(MINIMAL.formatted(", \"architectures\": \"LlamaForCausalLM\""))).hasMessageContaining("'architectures'");
        assertThat(refused(MINIMAL.formatted("").replace("\"model_type\": \"llama\", ", ""))).hasMessageContaining("'model_type'");
    }

    @Test
    void headsMustDivideHiddenSizeWithoutHeadDim() throws IOException {
        assertThat(refused(MINIMAL.formatted("").replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 5")))
                .hasMessageContaining("'num_attention_heads'");
        assertThat(read(", \"head_dim\": 16").headDim()).isEqualTo(16);
    }

    @Test
    void badJsonAndMissingFile() throws IOException {
        assertThat(refused("{\"hidden_size\": ")).hasMessageContaining("invalid JSON");
        assertThat(refused("[]")).hasMessageContaining("JSON object");
        Throwable t = catchThrowable(() -> HfConfig.read(dir.resolve("nope").resolve("config.json")));
        assertThat(t).isInstanceOf(ModelFormatException.class).hasMessageContaining("config.json").hasMessageContaining("no such file");
    }
}

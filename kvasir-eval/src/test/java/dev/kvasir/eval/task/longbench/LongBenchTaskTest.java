package dev.kvasir.eval.task.longbench;

import dev.kvasir.core.TestResources;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.Tasks;
import dev.kvasir.eval.metrics.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LongBenchTaskTest {
    /** Three rows in LongBench's multi_news format, with text written for this test (the real rows may not be redistributed). */
    static Path multiNewsRows(Path dir) throws Exception {
        String rows = """
                {"input": "", "context": "Passage 1:\\nThe harbour town opened its new library on Monday. NEWLINE_CHAR The building holds forty thousand books.\\nPassage 2:\\nVisitors queued for an hour to see the reading room, the mayor said.", "answers": ["A harbour town opened a new library with forty thousand books, and visitors queued for an hour to see it."], "length": 41, "dataset": "multi_news", "language": "en", "all_classes": null, "_id": "row-one"}
                {"input": "", "context": "Passage 1:\\nA late frost damaged apple orchards across the valley.\\nPassage 2:\\nFarmers expect a smaller harvest and higher prices this autumn.", "answers": ["Frost hurt the valley's apple orchards; farmers expect fewer apples and higher prices."], "length": 27, "dataset": "multi_news", "language": "en", "all_classes": null, "_id": "row-two"}
                {"input": "", "context": "Passage 1:\\nThe city council voted to repair the old stone bridge.\\nPassage 2:\\nWork starts in spring and the road will stay closed for six weeks.", "answers": ["The council will repair the old stone bridge from spring, closing the road for six weeks."], "length": 28, "dataset": "multi_news", "language": "en", "all_classes": null, "_id": "row-three"}
                """;
        return Files.writeString(dir.resolve("multi_news.jsonl"), rows);
    }

    @Test
    void multiNewsUsesTheOfficialPromptLengthAndMetric(@TempDir Path dir) throws Exception {
        Path data = multiNewsRows(dir);
        List<EvalSample> samples = Tasks.byName("multi_news").samples(TaskConfig.builder().dataPath(data).build());
        assertThat(samples).hasSize(3);
        EvalSample s = samples.getFirst();
        assertThat(s.context()).startsWith("You are given several news passages. Write a one-page summary of all news. \n\nNews:\nPassage 1:\n");
        assertThat(s.question()).isEqualTo("\n\nNow, write a one-page summary of all the news.\n\nSummary:");
        assertThat(s.answerPrefix()).isEmpty();
        assertThat(s.maxNewTokens()).isEqualTo(512);
        assertThat(s.metric()).isEqualTo("rouge_score");
        assertThat(s.answers()).hasSize(1);
        assertThat(s.metadata()).containsEntry("dataset", "multi_news").containsEntry(EvalSample.CHAT_TEMPLATE, true)
                .doesNotContainKey(EvalSample.POSTPROCESS).containsEntry("_id", "row-one");
        assertThat(samples.stream().map(EvalSample::id)).containsExactly("multi_news-row-one", "multi_news-row-two", "multi_news-row-three");
        // the reference summary scores (almost) 1 against itself, an unrelated text low
        assertThat(Metrics.score(s, s.answers().getFirst())).isCloseTo(1.0, within(1e-7));
        assertThat(Metrics.score(s, "The weather was nice.")).isLessThan(0.1);
        assertThat(Tasks.byName("longbench").samples(TaskConfig.builder().dataPath(data).limit(2).build())).hasSize(2);
    }

    /** The real rows of the shared material read the same way. */
    @Test
    void theSharedMultiNewsRowsLoad() {
        Path data = TestResources.shared("data/longbench/multi_news.jsonl");
        List<EvalSample> samples = Tasks.byName("multi_news").samples(TaskConfig.builder().dataPath(data).build());
        assertThat(samples).hasSize(200);
        assertThat(samples.stream().map(EvalSample::id).distinct()).hasSize(200);
        assertThat(samples).allSatisfy(s -> {
            assertThat(s.context()).startsWith("You are given several news passages. Write a one-page summary of all news. \n\nNews:\nPassage 1:\n");
            assertThat(s.answers()).hasSize(1);
            assertThat(s.metric()).isEqualTo("rouge_score");
        });
    }

    @Test
    void everyEnglishDatasetHasPromptLengthAndMetric(@TempDir Path dir) throws Exception {
        for (String dataset : LongBenchDatasets.ENGLISH) {
            Path file = dir.resolve(dataset + ".jsonl");
            Files.writeString(file, "{\"input\": \"THE-INPUT\", \"context\": \"THE-CONTEXT\", \"answers\": [\"x\"], "
                    + "\"all_classes\": [\"x\", \"y\"], \"dataset\": \"" + dataset + "\", \"length\": 3, \"_id\": \"id1\"}\n");
            EvalSample s = new LongBenchTask().samples(TaskConfig.builder().dataPath(file).build()).getFirst();
            LongBenchDatasets.Spec spec = LongBenchDatasets.spec(dataset);
            // the parts put back together are the official template filled in
            assertThat(s.prompt()).isEqualTo(spec.template().replace("{context}", "THE-CONTEXT").replace("{input}", "THE-INPUT"));
            assertThat(s.context()).endsWith("THE-CONTEXT");
            assertThat(s.maxNewTokens()).isEqualTo(spec.maxNewTokens());
            assertThat(Metrics.byName(s.metric())).isNotNull();
            assertThat(s.id()).isEqualTo(dataset + "-id1");
        }
    }

    @Test
    void officialPerDatasetSettings() {
        // dataset2maxlen
        assertThat(LongBenchDatasets.spec("narrativeqa").maxNewTokens()).isEqualTo(128);
        assertThat(LongBenchDatasets.spec("hotpotqa").maxNewTokens()).isEqualTo(32);
        assertThat(LongBenchDatasets.spec("gov_report").maxNewTokens()).isEqualTo(512);
        assertThat(LongBenchDatasets.spec("samsum").maxNewTokens()).isEqualTo(128);
        assertThat(LongBenchDatasets.spec("lcc").maxNewTokens()).isEqualTo(64);
        // dataset2metric
        assertThat(LongBenchDatasets.spec("trec").metric()).isEqualTo("classification_score");
        assertThat(LongBenchDatasets.spec("passage_count").metric()).isEqualTo("count_score");
        assertThat(LongBenchDatasets.spec("passage_retrieval_en").metric()).isEqualTo("retrieval_score");
        assertThat(LongBenchDatasets.spec("repobench-p").metric()).isEqualTo("code_sim_score");
        assertThat(LongBenchDatasets.spec("samsum").metric()).isEqualTo("rouge_score");
        // LongBench-E names map to their dataset; the prompt keeps the official typo
        assertThat(LongBenchDatasets.spec("hotpotqa_e").dataset()).isEqualTo("hotpotqa");
        assertThat(LongBenchDatasets.spec("narrativeqa").template()).contains("Answer the question asconcisely as you can");
    }

    @Test
    void fewShotDatasetsSkipTheChatTemplateAndKeepTheFirstLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trec.jsonl");
        Files.writeString(file, "{\"input\": \"What is X?\", \"context\": \"Question: a\\nType: City\\n\", \"answers\": [\"City\"], "
                + "\"all_classes\": [\"City\", \"Country\"], \"dataset\": \"trec\", \"length\": 10, \"_id\": \"t1\"}\n");
        EvalSample s = new LongBenchTask().samples(TaskConfig.builder().dataPath(file).build()).getFirst();
        assertThat(s.metadata()).containsEntry(EvalSample.CHAT_TEMPLATE, false).containsEntry(EvalSample.POSTPROCESS, "first_line")
                .containsEntry(EvalSample.ALL_CLASSES, List.of("City", "Country"));
        // first line "City" -> matches [City] -> 1 ; the second line would add "Country" -> 1/2
        assertThat(Metrics.score(s, "City\nCountry")).isEqualTo(1.0);
    }
}

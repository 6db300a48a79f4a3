package dev.kvasir.eval.run;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Results READMEs are generated: placeholders filled, figures typed by hand refused. */
class ReadmeTemplateTest {

    @Test
    void fillsPlaceholdersAndRefusesUnknownOnes() {
        String out = ReadmeTemplate.fill("# {{title}}\n\nProse at budget `0.35`.\n\n{{claims}}\n", Map.of("title", "T", "claims", "| x |\n"));
        assertThat(out).contains("# T\n").contains("Prose at budget `0.35`.").contains("| x |").startsWith("<!-- generated");
        assertThatThrownBy(() -> ReadmeTemplate.fill("{{nope}}", Map.of("title", "T"))).hasMessageContaining("{{nope}}").hasMessageContaining("title");
    }

    @Test
    void findsFiguresInProseButNotInCodeOrLinks() {
        assertThat(ReadmeTemplate.handTypedFigures("""
                The full cache scores 93.3 and H2O keeps 35 % of it, or 50%.
                At budget `0.35` ([paper](https://arxiv.org/abs/2407.08454)), layers 0, 1 and 2 are kept.
                ```bash
                ./kvasir eval --budgets 0.5,0.35
                ```
                """)).containsExactly("93.3", "35 %", "50%");
        assertThatThrownBy(() -> ReadmeTemplate.fill("KVMerger wins 28.2 vs 16.9", Map.of())).hasMessageContaining("[28.2, 16.9]");
    }

    /** The committed templates of docs/results quote no figure by hand (the check the report makes, run on every build). */
    @Test
    void committedTemplatesQuoteNoFigure() throws IOException {
        Path results = Path.of("..", "docs", "results");
        List<Path> templates = new ArrayList<>();
        try (Stream<Path> s = Files.walk(results)) {
            s.filter(p -> p.getFileName().toString().equals(ReadmeTemplate.FILE)).forEach(templates::add);
        }
        assertThat(templates).hasSizeGreaterThanOrEqualTo(2);
        for (Path t : templates) assertThat(ReadmeTemplate.handTypedFigures(Files.readString(t))).as(t.toString()).isEmpty();
    }
}

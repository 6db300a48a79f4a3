package dev.kvasir.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Counts the tests of one test JVM (one Maven module) and those skipped for missing shared
 * material ({@link MissingTestMaterial}), and writes them where Surefire's system property
 * {@code kvasir.test.record} says (the module's {@code target/kvasir-test-material.properties}):
 * {@code tests}, {@code skipped}, {@code uncounted}, {@code missing} (comma-separated). {@code ./kvasir test} adds
 * the modules' records up into one summary line at the end of the run. Registered for every
 * module through META-INF/services in core's test-jar.
 *
 * <p>A container aborted for missing material (a {@code @TestFactory} or a class whose setup needs
 * it) counts as the tests it statically holds, at least one: a factory's dynamic tests are not
 * known without the material. {@code uncounted} says how many of the skipped were such containers
 * counted as one, so the summary line can say that the cases behind them are not counted.
 */
public final class MissingMaterialSummary implements TestExecutionListener {
    // static: Surefire may run several test plans in one JVM; the record covers them all
    private static int tests, skipped, uncounted;
    private static final Set<String> MISSING = new TreeSet<>();

    private TestPlan plan;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        String material = MissingTestMaterial.materialIn(reason);
        if (id.isTest()) count(1, material != null, material);
        else countContainer(id, material != null, material);
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        boolean missing = result.getStatus() == TestExecutionResult.Status.ABORTED
                && result.getThrowable().orElse(null) instanceof MissingTestMaterial;
        String material = missing ? ((MissingTestMaterial) result.getThrowable().get()).material() : null;
        if (id.isTest()) {
            count(1, missing, material);
        } else if (missing) {
            countContainer(id, true, material);
        }
    }

    private void countContainer(TestIdentifier container, boolean missing, String material) {
        long known = testsIn(container);
        if (missing && known == 0) {
            synchronized (MissingMaterialSummary.class) {
                uncounted++;
            }
        }
        count((int) Math.max(missing ? 1 : 0, known), missing, material);
    }

    private long testsIn(TestIdentifier container) {
        return plan == null ? 0 : plan.getDescendants(container).stream().filter(TestIdentifier::isTest).count();
    }

    private static synchronized void count(int n, boolean missing, String material) {
        tests += n;
        if (missing) {
            skipped += n;
            MISSING.add(material);
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        String record = System.getProperty("kvasir.test.record");
        if (record == null || record.isBlank()) return;
        String text;
        synchronized (MissingMaterialSummary.class) {
            text = "tests=" + tests + "\nskipped=" + skipped + "\nuncounted=" + uncounted + "\nmissing=" + String.join(",", MISSING) + "\n";
        }
        try {
            Path p = Path.of(record);
            Files.createDirectories(p.toAbsolutePath().getParent());
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the test-material record " + record, e);
        }
    }
}

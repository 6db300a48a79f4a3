package dev.kvasir.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import dev.kvasir.core.gguf.GgmlType;

/**
 * Guards the kernels' speed against their most likely regression: a Vector API operation that
 * C2 does not intrinsify (an over-budget method, a non-constant argument, a helper that is not
 * inlined) makes C2 box vectors, which shows as heap allocation in every call and a 5-50x
 * slowdown while results stay correct. Once the kernels are compiled they allocate nothing;
 * {@link KernelAllocationCheck} waits for compilation (up to a generous deadline, as this
 * machine may be busy) in a JVM of its own per type, started with this JVM's flags, and fails
 * if allocation never stops.
 */
class KernelAllocationTest {
    private static final double DEADLINE_SECONDS = 60;

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void compiledKernelsDoNotAllocate(GgmlType type) throws IOException, InterruptedException {
        check(type);
    }

    /**
     * The 128-bit kernels (NEON's width; {@code -XX:MaxVectorSize=16} on x86) and the int8
     * activation decode kernels ({@code -Dkvasir.matvec=q8}) at 128 and 256 bits: other code, other
     * inlining budgets. Q6_K's 128-bit matvec still boxes (left out until it is split up).
     */
    @ParameterizedTest
    @CsvSource({
        "Q8_0, 128, ''", "Q4_0, 128, ''", "Q4_1, 128, ''", "Q5_0, 128, ''", "Q4_K, 128, ''", "F16, 128, ''",
        "Q8_0, 128, q8", "Q4_1, 128, q8", "Q8_0, 256, q8", "Q4_1, 256, q8"})
    void compiledKernelsDoNotAllocateAtForcedWidths(GgmlType type, int bits, String matvec) throws IOException, InterruptedException {
        List<String> flags = new ArrayList<>(List.of("-Dkvasir.vectorBits=" + bits));
        if (!matvec.isEmpty()) flags.add("-Dkvasir.matvec=" + matvec);
        check(type, flags.toArray(String[]::new));
    }

    private static void check(GgmlType type, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        // the test JVM's own flags (--add-modules jdk.incubator.vector, heap size, ...), minus agents
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib")) cmd.add(a);
        }
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelAllocationCheck.class.getName(), type.name(),
                String.valueOf(DEADLINE_SECONDS)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor((long) DEADLINE_SECONDS + 60, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) p.destroyForcibly();
        assertThat(done).as("%s check finished; output:%n%s", type, output).isTrue();
        assertThat(p.exitValue()).as("%s %s: compiled kernel results out of bounds; output:%n%s", type, List.of(flags), output)
                .isNotEqualTo(2);
        assertThat(p.exitValue())
                .as("%s kernels still allocate after %.0f s: some Vector API operation is not intrinsified and C2 boxes "
                        + "vectors (run KernelBench, or -XX:+PrintIntrinsics); output:%n%s", type, DEADLINE_SECONDS, output)
                .isZero();
    }
}

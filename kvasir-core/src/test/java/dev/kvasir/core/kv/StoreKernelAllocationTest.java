package dev.kvasir.core.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * As the weight kernels' allocation guard (dev.kvasir.core.tensor.KernelAllocationTest), for the
 * KV stores' decode kernels: a Vector API operation C2 does not intrinsify (the byte-to-float
 * widening of the quantised stores, say) boxes vectors, which shows as heap allocation on every
 * call and a many-fold slowdown while results stay correct.
 */
class StoreKernelAllocationTest {
    private static final double DEADLINE_SECONDS = 60;

    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void compiledStoreKernelsDoNotAllocate(KvPrecision precision) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StoreKernelAllocationCheck.class.getName(), precision.name(),
                String.valueOf(DEADLINE_SECONDS)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor((long) DEADLINE_SECONDS + 60, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) p.destroyForcibly();
        assertThat(done).as("%s check finished; output:%n%s", precision, output).isTrue();
        assertThat(p.exitValue())
                .as("%s store kernels still allocate after %.0f s: some Vector API operation is not intrinsified; output:%n%s",
                        precision, DEADLINE_SECONDS, output)
                .isZero();
    }
}

package dev.kvasir.cli;

import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kvasir serve}: its flags and their validation (the server itself is tested in kvasir-server). */
class ServeCommandTest {
    @Test
    void helpListsTheServerFlags() {
        CliTest.Run r = CliTest.run("serve", "--help");
        assertThat(r.exit()).isZero();
        for (String flag : new String[] {"--host", "--port", "--api-key", "--parallel", "--queue", "--max-kv-memory", "--timeout",
                "--max-body", "--press", "--budget", "--budget-tokens", "--press-opt", "--drain-timeout", "--idle-timeout", "--max-connections",
                "--allowed-host"}) {
            assertThat(r.out()).contains(flag);
        }
    }

    @Test
    void badFlagsFailBeforeTheModelLoads() {
        String model = TestResources.stories260k().toString();
        assertThat(CliTest.run("serve", "--model", model, "--budget", "0.5").err()).contains("need a --press");
        assertThat(CliTest.run("serve", "--model", model, "--press", "none", "--budget", "0.5").err()).contains("need a --press other than none");
        assertThat(CliTest.run("serve", "--model", model, "--press", "kvmerger", "--budget", "0.5", "--press-opt", "sigma=1e-300").err())
                .contains("sigma=1e-300").contains("out of range");
        assertThat(CliTest.run("serve", "--model", model, "--max-kv-memory", "lots").err()).contains("not a size");
        assertThat(CliTest.run("serve", "--model", model, "--timeout", "soon").err()).contains("not a duration");
        assertThat(CliTest.run("serve", "--model", model, "--parallel", "0").err()).contains("--parallel must be >= 1");
        assertThat(CliTest.run("serve", "--model", model, "--max-connections", "0").err()).contains("--max-connections must be >= 1");
        assertThat(CliTest.run("serve", "--model", model, "--idle-timeout", "0s").err()).contains("--idle-timeout must be > 0");
        assertThat(CliTest.run("serve", "--model", model, "--drain-timeout", "soon").err()).contains("not a duration");
        assertThat(CliTest.run("serve", "--model", model, "--press", "zip", "--budget", "0.5").err()).contains("unknown press 'zip'");
        CliTest.Run r = CliTest.run("serve", "--model", model, "--press", "snapkv", "--budget", "1.5");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("budget fraction must be in (0, 1]");
    }
}

package dev.kvasir.cli;

import dev.kvasir.core.TestResources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kvasir serve} in a process of its own, stopped by SIGTERM while it streams: the stream
 * ends properly (finished, or an error event once the drain time is over, then {@code [DONE]})
 * and the process exits with status 0.
 */
class ServeShutdownTest {
    private static final Pattern SERVING = Pattern.compile("serving .* on http://127\\.0\\.0\\.1:(\\d+)/v1");

    @ParameterizedTest(name = "--batching {0}")
    @ValueSource(strings = {"on", "off"})
    void sigtermDrainsTheStreamAndExitsCleanly(String batching) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib")) cmd.add(a);
        }
        // a drain time far shorter than the 2000-token stream: the stream is ended, not finished
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                "--model", TestResources.stories260k().toString(), "--port", "0", "--threads", "1", "--parallel", "1",
                "--batching", batching, "--drain-timeout", "50ms"));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        StringBuffer log = new StringBuffer();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread logReader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    log.append(line).append('\n');
                    Matcher m = SERVING.matcher(line);
                    if (m.find()) port.complete(Integer.parseInt(m.group(1)));
                }
            } catch (IOException e) {
                // the process ended
            }
            port.completeExceptionally(new AssertionError("the server never said where it listens:\n" + log));
        });
        try {
            int serving = port.get(120, TimeUnit.SECONDS);
            try (Socket s = new Socket("127.0.0.1", serving)) {
                s.setSoTimeout(60_000);
                byte[] body = "{\"prompt\": \"Once\", \"max_tokens\": 2000, \"ignore_eos\": true, \"stream\": true}".getBytes(StandardCharsets.UTF_8);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                List<String> events = new ArrayList<>();
                String line;
                while ((line = in.readLine()) != null && !line.startsWith("data: ")) { } // headers
                assertThat(line).as(log.toString()).isNotNull();
                events.add(line.substring(6));
                p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its stderr)
                while ((line = in.readLine()) != null) {
                    if (!line.startsWith("data: ")) continue;
                    events.add(line.substring(6));
                    if (line.equals("data: [DONE]")) break;
                }
                assertThat(events.getLast()).as(String.join("\n", events)).isEqualTo("[DONE]");
                String last = events.get(events.size() - 2);
                assertThat(last.contains("\"code\":\"server_shutting_down\"") || last.contains("\"finish_reason\":\"length\""))
                        .as(last).isTrue();
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(log.toString()).isTrue();
            logReader.join(30_000);
            assertThat(logReader.isAlive()).as("stderr still open after exit:\n" + log).isFalse();
            assertThat(p.exitValue()).as(log.toString()).isZero();
            assertThat(log.toString()).as(String.join(" ", cmd)).contains("kvasir: shutting down").contains("kvasir: stopped");
        } finally {
            p.destroyForcibly();
        }
    }
}

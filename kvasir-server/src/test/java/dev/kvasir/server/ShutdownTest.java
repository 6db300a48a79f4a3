package dev.kvasir.server;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link KvasirServer#shutdown}: requests in flight finish within the drain time; those still
 * running after it are ended, a stream with an error event and {@code [DONE]}; nothing new is
 * accepted meanwhile. Each test runs with continuous batching (the sequences of the batch step on
 * through the drain) and with a slot per request. (The SIGTERM path of {@code kvasir serve} is
 * tested in kvasir-cli.)
 */
class ShutdownTest {
    private static ServerConfig config(boolean batching, int parallel) {
        return TestServer.config().withBatching(batching).withParallel(parallel);
    }

    /** Stories260K streams about a thousand tokens a second: 2000 tokens outlast a 50 ms drain by far. */
    private static final String LONG_STREAM = "{\"prompt\": \"Once\", \"max_tokens\": 2000, \"ignore_eos\": true, \"stream\": true}";

    /** A streaming request over a raw socket; {@link #events} reads its data lines. */
    private static final class Stream implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;

        Stream(int port, String json) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000);
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        /** The next data line's payload, null at the end of the stream. */
        String next() throws IOException {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) return line.substring(6);
            }
            return null;
        }

        /** The rest of the events, up to and including {@code [DONE]} (or the end of the connection). */
        List<String> rest() throws IOException {
            List<String> out = new ArrayList<>();
            for (String e; (e = next()) != null; ) {
                out.add(e);
                if (e.equals("[DONE]")) break;
            }
            return out;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @ParameterizedTest(name = "batching {0}")
    @ValueSource(booleans = {true, false})
    void requestsInFlightFinishWithinTheDrainTime(boolean batching) throws Exception {
        TestServer s = TestServer.start(TestServer.stories(), config(batching, 2));
        int port = s.server.port(); // the server reports no port once its listener is closed
        String json = "{\"prompt\": \"Once\", \"max_tokens\": 200, \"ignore_eos\": true, \"stream\": true}";
        try (Stream stream = new Stream(port, json); Stream other = new Stream(port, json)) {
            assertThat(stream.next()).contains("\"text\""); // generating
            assertThat(other.next()).contains("\"text\""); // both together (with batching: both in the batch)
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> s.server.shutdown(Duration.ofMinutes(2)));
            Await.until(Duration.ofSeconds(30), "the server drains", s.server::draining);
            // no new connections while it drains
            Await.until(Duration.ofSeconds(30), "the listener is closed", () -> {
                try (Socket ignored = new Socket("127.0.0.1", port)) {
                    return false;
                } catch (ConnectException e) {
                    return true;
                }
            });
            for (Stream st : List.of(stream, other)) {
                List<String> rest = st.rest();
                assertThat(rest.getLast()).isEqualTo("[DONE]");
                assertThat(String.join("\n", rest)).contains("\"finish_reason\":\"length\"").doesNotContain("\"error\"");
            }
            stopped.get();
        } finally {
            s.close();
        }
    }

    @ParameterizedTest(name = "batching {0}")
    @ValueSource(booleans = {true, false})
    void streamsStillRunningAfterTheDrainTimeEndWithAnErrorEventAndDone(boolean batching) throws Exception {
        TestServer s = TestServer.start(TestServer.stories(), config(batching, 2));
        try (Stream running = new Stream(s.server.port(), LONG_STREAM)) {
            assertThat(running.next()).contains("\"text\"");
            // a non-streamed request runs beside it (with batching: in the same batch)
            CompletableFuture<java.net.http.HttpResponse<String>> whole = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.post("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2000, \"ignore_eos\": true}");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Await.until(Duration.ofSeconds(30), "the second request runs", () -> s.server.engine().activeDecodes() == 2);
            // a third request waits in the queue behind them; it never gets its turn
            CompletableFuture<java.net.http.HttpResponse<String>> queued = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.post("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 5}");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Await.until(Duration.ofSeconds(30), "the second request is queued", () -> s.server.engine().queueLength() == 1);
            s.server.shutdown(Duration.ofMillis(50));
            List<String> rest = running.rest();
            assertThat(rest.getLast()).isEqualTo("[DONE]");
            String error = rest.get(rest.size() - 2);
            assertThat(error).contains("\"code\":\"server_shutting_down\"").contains("\"type\":\"server_error\"");
            assertThat(String.join("\n", rest)).doesNotContain("\"finish_reason\":\"length\"");
            java.net.http.HttpResponse<String> r = queued.get();
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("server_shutting_down");
            java.net.http.HttpResponse<String> w = whole.get();
            assertThat(w.statusCode()).isEqualTo(503);
            assertThat(w.body()).contains("server_shutting_down").contains("the generation was ended after");
        } finally {
            s.close();
        }
    }

    @ParameterizedTest(name = "batching {0}")
    @ValueSource(booleans = {true, false})
    void closeIsImmediateAndRepeatable(boolean batching) {
        TestServer s = TestServer.start(TestServer.stories(), config(batching, 2));
        int port = s.server.port();
        s.close();
        s.server.close();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }
}

package io.chatproxy.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.chatproxy.web.JsonCodec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class ChunkedBodyTest {
    private static final ObjectMapper MAPPER = new JsonCodec(1 << 20).mapper();

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // a poll that waited for the network would hang here
    void theChunksOfABurstSentInOneWriteArePolledAndThePollDoesNotWaitForMore() throws Exception {
        CountDownLatch polled = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0)) {
            Thread n8n = Thread.ofVirtual().start(() -> answer(server, polled));
            ChunkedBody.Capture bodies = new ChunkedBody.Capture();
            WebClient client = WebClient.builder().addService(bodies).build();
            try (HttpClientResponse response = client.post()
                    .uri("http://127.0.0.1:" + server.getLocalPort() + "/webhook").submit("{}")) {
                N8nAnswerReader reader = new N8nAnswerReader(response.inputStream(), bodies.take().orElseThrow(),
                        MAPPER, 64 * 1024, 1000);

                assertThat(reader.next(), is(Optional.of(new AnswerEvent.Text("A"))));
                assertThat(reader.poll(), is(Optional.of(new AnswerEvent.Text("B"))));
                assertThat(reader.poll(), is(Optional.of(new AnswerEvent.Text("C"))));
                assertThat("the rest has not been sent", reader.poll(), is(Optional.empty()));
                polled.countDown();
                assertThat(reader.next(), is(Optional.of(new AnswerEvent.Text("D"))));
                assertThat(reader.next(), is(Optional.empty()));
            }
            n8n.join();
        }
    }

    /** One HTTP chunk per line, like n8n; the first four lines in one write, the rest once the test polled. */
    private static void answer(ServerSocket server, CountDownLatch polled) {
        try (Socket socket = server.accept()) {
            skipRequest(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.write(chunks("{\"type\":\"begin\"}", "{\"type\":\"item\",\"content\":\"A\"}",
                    "{\"type\":\"item\",\"content\":\"B\"}", "{\"type\":\"item\",\"content\":\"C\"}",
                    "{\"type\":\"end\"}"));
            out.flush();
            polled.await();
            out.write(chunks("{\"type\":\"begin\"}", "{\"type\":\"item\",\"content\":\"D\"}", "{\"type\":\"end\"}"));
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] chunks(String... lines) {
        StringBuilder body = new StringBuilder();
        for (String line : lines) {
            String data = line + "\n";
            body.append(Integer.toHexString(data.length())).append("\r\n").append(data).append("\r\n");
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void skipRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = lower.indexOf("content-length:");
        if (at >= 0) {
            int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
            in.readNBytes(length);
        }
    }
}

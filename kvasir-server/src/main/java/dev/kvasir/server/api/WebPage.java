package dev.kvasir.server.api;

import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The web page (chat and KV-cache inspector): static files packed in the jar under {@code web/},
 * read once at start-up, served at {@code /} and {@code /web/<file>} with no API key (they hold
 * no data; the page sends the key the user gives it with every API call). Only the files listed
 * here are served, so no path from the request ever reaches the class loader.
 */
public final class WebPage {
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "style.css", "text/css; charset=utf-8",
            "api.js", "text/javascript; charset=utf-8",
            "chat.js", "text/javascript; charset=utf-8",
            "inspector.js", "text/javascript; charset=utf-8",
            "main.js", "text/javascript; charset=utf-8");
    private final Map<String, byte[]> content;

    public WebPage() {
        Map<String, byte[]> c = new HashMap<>();
        for (String name : FILES.keySet()) c.put(name, read(name));
        this.content = Map.copyOf(c);
    }

    private static byte[] read(String name) {
        try (InputStream in = WebPage.class.getResourceAsStream("/web/" + name)) {
            if (in == null) throw new IllegalStateException("the web page's file web/" + name + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read web/" + name + " from the jar", e);
        }
    }

    public int index(Context ctx) {
        return serve(ctx, "index.html");
    }

    public int file(Context ctx) {
        return serve(ctx, ctx.pathParam("file"));
    }

    private int serve(Context ctx, String name) {
        byte[] body = content.get(name);
        if (body == null) throw ApiException.notFound("no file '" + name + "' in the web page");
        ctx.contentType(FILES.get(name)).header("Cache-Control", "no-cache").result(body);
        return 200;
    }
}

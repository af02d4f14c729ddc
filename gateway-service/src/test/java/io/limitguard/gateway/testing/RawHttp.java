package io.limitguard.gateway.testing;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, for what a well-behaved client cannot send: hostile bytes in a header,
 * requests pipelined on one keep-alive connection.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** Sends {@code request} (ISO-8859-1 bytes, sent as they are) on a new connection; the status code of the answer. */
    public static int status(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String statusLine = statusLines(socket.getInputStream(), 1).get(0);
            if (!statusLine.matches("HTTP/1\\.1 \\d{3}.*")) {
                throw new IOException("not an HTTP response: " + statusLine);
            }
            return Integer.parseInt(statusLine.substring(9, 12));
        }
    }

    /** Reads {@code n} whole responses (status line, headers, a Content-Length body) and returns their status lines. */
    public static List<String> statusLines(InputStream in, int n) throws IOException {
        List<String> statusLines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            statusLines.add(readLine(in));
            int length = 0;
            for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).trim());
                }
            }
            in.readNBytes(length);
        }
        return statusLines;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed after: " + line);
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}

package io.limitguard.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, for what a well-behaved client cannot do. {@link #status} and
 * {@link #statusLines}: hostile bytes in a header, requests pipelined on one keep-alive connection.
 * {@link #stuckReader} and {@link #get}: a receive buffer that is tiny (4 KB), to see what a server does
 * with a client that reads slowly or not at all ({@code stuckReader} sends a GET and never reads,
 * {@code get} reads the whole answer through the same small buffer).
 */
public final class RawHttp {

    /** Receive buffer of the test's sockets: the server can push little more than this ahead of the reader. */
    public static final int RECEIVE_BUFFER = 4096;

    private RawHttp() {
    }

    /** An answer: status code and body (chunked transfer coding removed). */
    public record Response(int status, String headers, byte[] body) {

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends {@code GET} of each path (already encoded) on one kept-alive connection, pipelined, and never
     * reads the answers. Close it when done.
     */
    public static StuckReader stuckReader(int port, String... pathsAndQueries) throws IOException {
        Socket socket = open(port);
        try {
            for (String pathAndQuery : pathsAndQueries) {
                send(socket, pathAndQuery, false);
            }
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return new StuckReader(socket);
    }

    /** Sends {@code GET pathAndQuery} (already encoded) with {@code Connection: close} and reads the whole answer. */
    public static Response get(int port, String pathAndQuery) throws IOException {
        try (Socket socket = open(port)) {
            socket.setSoTimeout(30_000);
            send(socket, pathAndQuery, true);
            byte[] raw = socket.getInputStream().readAllBytes();
            return parse(raw);
        }
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

    /** One line of an HTTP head (up to LF, CR dropped); EOFException if the connection ends before it. */
    public static String readLine(InputStream in) throws IOException {
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

    private static Socket open(int port) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(RECEIVE_BUFFER); // before connect: it sets the advertised TCP window
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return socket;
    }

    private static void send(Socket socket, String pathAndQuery, boolean close) throws IOException {
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static Response parse(byte[] raw) throws IOException {
        int headerEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (headerEnd < 0) {
            throw new IOException("No complete response head in " + raw.length + " bytes");
        }
        String head = new String(raw, 0, headerEnd, StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(head.substring(head.indexOf(' ') + 1, head.indexOf(' ') + 4));
        byte[] rest = java.util.Arrays.copyOfRange(raw, headerEnd + 4, raw.length);
        if (!head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
            return new Response(status, head, rest);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int lineEnd = indexOf(rest, new byte[] {'\r', '\n'}, at);
            if (lineEnd < 0) {
                throw new IOException("Chunked body ends without its last chunk");
            }
            String sizeLine = new String(rest, at, lineEnd - at, StandardCharsets.US_ASCII);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                return new Response(status, head, body.toByteArray());
            }
            if (lineEnd + 2 + size > rest.length) {
                throw new IOException("Chunked body cut inside a chunk");
            }
            body.write(rest, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A client that sent its request and does not read. */
    public static final class StuckReader implements AutoCloseable {

        private final Socket socket;

        StuckReader(Socket socket) {
            this.socket = socket;
        }

        /**
         * Whether the server has closed the connection, found out WITHOUT reading (reading would let the
         * server's writes go on): an empty line is sent (allowed before a request line, so a live server
         * ignores it); once the server has closed its socket, it answers that with a reset, and the
         * next send fails.
         */
        public boolean closedByServer() {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(new byte[] {'\r', '\n'});
                out.flush();
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        /** Reads what is left (what reached this socket before the server closed it) up to the end. */
        public long drain() throws IOException {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            long total = 0;
            try {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    total += n;
                }
            } catch (java.net.SocketException reset) {
                // the server reset the connection: nothing more to read
            }
            return total;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

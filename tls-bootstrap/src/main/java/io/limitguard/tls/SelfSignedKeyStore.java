package io.limitguard.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A PKCS12 key store with one self-signed certificate, made by the JDK's own {@code keytool} (no
 * library for it). Created once; later starts reuse it, so a browser exception or a client trust
 * entry stays valid. Several services may share one file: creation happens under a file lock and
 * becomes visible with an atomic rename.
 */
public final class SelfSignedKeyStore {

    public static final String ALIAS = "limitguard";
    private static final Pattern IP = Pattern.compile("[0-9.]+|[0-9a-fA-F:]+:[0-9a-fA-F:]*");

    private SelfSignedKeyStore() {
    }

    /** Creates {@code keystore} unless it exists; returns {@code true} when it was created now. */
    public static synchronized boolean ensure(Path keystore, String password, List<String> hostnames) {
        Path file = keystore.toAbsolutePath();
        if (Files.isRegularFile(file)) {
            return false;
        }
        try {
            Files.createDirectories(file.getParent());
            Path lock = file.resolveSibling(file.getFileName() + ".lock");
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                if (Files.isRegularFile(file)) {
                    return false; // another process made it while we waited
                }
                Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
                Files.delete(tmp); // keytool refuses to write into an existing, empty file
                try {
                    runKeytool(tmp, password, subjectAlternativeNames(hostnames));
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                return true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the self-signed key store " + file, e);
        }
    }

    static String subjectAlternativeNames(List<String> extra) {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        try {
            names.add(InetAddress.getLocalHost().getHostName());
        } catch (IOException unknownHost) {
            // a machine without a resolvable host name still gets localhost
        }
        names.addAll(extra);
        List<String> san = new ArrayList<>();
        for (String name : names) {
            if (!name.isBlank()) {
                san.add((IP.matcher(name).matches() ? "ip:" : "dns:") + name.trim());
            }
        }
        return "SAN=" + String.join(",", san);
    }

    private static void runKeytool(Path target, String password, String san) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = List.of(keytool.toString(), "-genkeypair", "-noprompt",
                "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-validity", "825", "-dname", "CN=LimitGuard self-signed",
                "-ext", san, "-ext", "BC:c=ca:true",
                "-storetype", "PKCS12", "-keystore", target.toString(),
                "-storepass", password, "-keypass", password);
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("Interrupted while running keytool", e);
        }
        String output = new String(process.getInputStream().readAllBytes());
        if (process.exitValue() != 0 || !Files.isRegularFile(target)) {
            throw new IOException("keytool failed (exit " + process.exitValue() + "): " + output.strip());
        }
    }
}

package io.limitguard.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/** Command lines for child JVMs: the same {@code java} that runs the launcher. */
final class JavaCommand {

    private static final List<String> JVM_OPTIONS = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true");
    private static final String PROPERTIES_LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

    private JavaCommand() {
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java -jar app.jar args...}. */
    static List<String> jar(Path jar, List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.toString()));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Runs {@code mainClass} from the launcher's own class path: through Spring Boot's PropertiesLauncher
     * when the launcher runs as its packaged jar, directly when it runs from classes (IDE, tests).
     */
    static List<String> ownClassPath(String mainClass, List<String> jvmOptions, List<String> args) {
        String classPath = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(jvmOptions);
        if (isBootJar(classPath)) {
            cmd.addAll(List.of("-Dloader.main=" + mainClass, "-cp", classPath, PROPERTIES_LAUNCHER));
        } else {
            cmd.addAll(List.of("-cp", classPath, mainClass));
        }
        cmd.addAll(args);
        return cmd;
    }

    static boolean isBootJar(String classPath) {
        if (classPath == null || classPath.contains(java.io.File.pathSeparator) || !classPath.endsWith(".jar")
                || !Files.isRegularFile(Path.of(classPath))) {
            return false;
        }
        try (JarFile jar = new JarFile(classPath)) {
            return PROPERTIES_LAUNCHER.equals(jar.getManifest().getMainAttributes().getValue("Main-Class"));
        } catch (IOException e) {
            return false;
        }
    }
}

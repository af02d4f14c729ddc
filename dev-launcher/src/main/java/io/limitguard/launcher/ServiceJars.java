package io.limitguard.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds the built service jars ({@code <home>/<module>/target/<module>-<version>.jar}). */
final class ServiceJars {

    private final Path home;

    ServiceJars(Path home) {
        this.home = home;
    }

    /**
     * The repository root: {@code --home}, else the one this launcher jar was built in
     * ({@code <root>/dev-launcher/target/}), else the working directory.
     */
    static ServiceJars locate(Optional<Path> configured) {
        if (configured.isPresent()) {
            return new ServiceJars(configured.get().toAbsolutePath().normalize());
        }
        Path classPath = Path.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0])
                .toAbsolutePath().normalize();
        for (Path p = classPath; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("gateway-service")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return new ServiceJars(p);
            }
        }
        return new ServiceJars(Path.of("").toAbsolutePath());
    }

    Path home() {
        return home;
    }

    Path jar(String module) {
        Path target = home.resolve(module).resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> {
                        String name = p.getFileName().toString();
                        return name.startsWith(module + "-") && name.endsWith(".jar")
                                && !name.endsWith("-sources.jar") && !name.endsWith("-tests.jar");
                    })
                    .findFirst()
                    .orElseThrow(() -> missing(module));
        } catch (IOException e) {
            throw missing(module);
        }
    }

    private Probes.LaunchException missing(String module) {
        return new Probes.LaunchException("No " + module + " jar in " + home.resolve(module).resolve("target")
                + ". Build first: ./mvnw -B -DskipTests package (or pass --home=<repository root>)");
    }
}

package io.limitguard.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Command-line options of the dev launcher. Unknown or malformed options, and a value on a switch such as
 * {@code --demo-traffic=yes}, stop it with a message that names the option (exit code 2).
 *
 * @param stateDir      Kafka log, Kafka Streams state, certificates and logs; reused by the next start
 * @param redisUri      an existing Redis (or the Sentinels of one) to use instead of starting one
 * @param demoTraffic   send a steady mix of allowed and blocked requests through the gateway
 * @param portOffset    added to every default port (8080 -> 8080 + offset, ...), to run beside other things
 * @param home          the repository root whose {@code <module>/target/*.jar} are started
 * @param gatewayConfig an extra Spring config file for the gateway (rules, routes), applied last
 */
record LauncherOptions(Path stateDir, Optional<String> redisUri, boolean demoTraffic, int portOffset,
                       Optional<Path> home, Optional<Path> gatewayConfig) {

    static final String USAGE = """
            Usage: java -jar dev-launcher/target/dev-launcher-0.1.0-SNAPSHOT.jar [options]
              --state-dir=DIR        state (Kafka log, Streams state, certificates, logs); default .limitguard
              --redis-uri=URI        use this Redis (redis:// or rediss://) instead of starting one, or
                                     the Sentinels of one (redis-sentinel://host:26379[,...]#master)
              --demo-traffic         send demo requests through the gateway so the dashboard moves
              --port-offset=N        add N to every port (gateway 8080/8443, dashboard 8081/8444,
                                     dashboard RSocket TCP 7081, analytics 8082, upstream 8090,
                                     Redis 6379, Kafka 9092/9093)
              --home=DIR             repository root with the built jars; default: found from this jar
              --gateway-config=FILE  extra gateway configuration (rules, routes), applied last
              --help                 this text
            Ctrl-C stops everything.""";

    static LauncherOptions parse(String... args) {
        Path stateDir = Path.of(".limitguard");
        String redisUri = null;
        boolean demoTraffic = false;
        int portOffset = 0;
        Path home = null;
        Path gatewayConfig = null;
        List<String> errors = new ArrayList<>();
        for (String arg : args) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
            switch (name) {
                case "--state-dir" -> stateDir = Path.of(required(name, value, errors));
                case "--redis-uri" -> {
                    redisUri = required(name, value, errors);
                    if (RedisTarget.SCHEMES.stream().noneMatch(redisUri::startsWith)) {
                        errors.add("--redis-uri must start with redis://, rediss://, redis-sentinel:// or "
                                + "rediss-sentinel://, was " + redisUri);
                    }
                }
                case "--demo-traffic" -> demoTraffic = flag(name, value, errors);
                case "--port-offset" -> {
                    try {
                        portOffset = Integer.parseInt(required(name, value, errors));
                        if (portOffset < 0 || portOffset > 50_000) {
                            errors.add("--port-offset must be 0..50000, was " + portOffset);
                        }
                    } catch (NumberFormatException e) {
                        errors.add("--port-offset must be a number, was " + value);
                    }
                }
                case "--home" -> home = Path.of(required(name, value, errors));
                case "--gateway-config" -> gatewayConfig = Path.of(required(name, value, errors));
                case "--help", "-h" -> {
                    if (flag(name, value, errors)) {
                        throw new UsageException(USAGE, 0);
                    }
                }
                default -> errors.add("unknown option " + arg);
            }
        }
        if (gatewayConfig != null && !gatewayConfig.toString().isEmpty() && !Files.isRegularFile(gatewayConfig)) {
            // checked now, not after Redis and Kafka have started and the gateway refuses it
            errors.add("--gateway-config: no such file " + gatewayConfig.toAbsolutePath());
        }
        if (!errors.isEmpty()) {
            throw new UsageException(String.join("\n", errors) + "\n\n" + USAGE, 2);
        }
        return new LauncherOptions(stateDir.toAbsolutePath().normalize(), Optional.ofNullable(redisUri),
                demoTraffic, portOffset, Optional.ofNullable(home), Optional.ofNullable(gatewayConfig));
    }

    /** A switch: present means on; a value ({@code --demo-traffic=yes}) is an error, not silently ignored. */
    private static boolean flag(String name, String value, List<String> errors) {
        if (value != null) {
            errors.add(name + " takes no value (was " + name + "=" + value + "); write " + name + " alone");
            return false;
        }
        return true;
    }

    private static String required(String name, String value, List<String> errors) {
        if (value == null || value.isBlank()) {
            errors.add(name + " needs a value (" + name + "=...)");
            return "";
        }
        return value;
    }

    Ports ports() {
        return new Ports(portOffset);
    }

    /** Every port the stack uses: DESIGN.md's defaults plus the offset. */
    record Ports(int offset) {
        int gateway() { return 8080 + offset; }
        int gatewayHttps() { return 8443 + offset; }
        int dashboard() { return 8081 + offset; }
        int dashboardHttps() { return 8444 + offset; }
        int dashboardRsocketTcp() { return 7081 + offset; }
        int analytics() { return 8082 + offset; }
        int upstream() { return 8090 + offset; }
        int redis() { return 6379 + offset; }
        int kafka() { return 9092 + offset; }
        int kafkaController() { return 9093 + offset; }
    }

    /** A usage problem: print the message, exit with the code. */
    static final class UsageException extends RuntimeException {
        final int exitCode;

        UsageException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }
    }
}

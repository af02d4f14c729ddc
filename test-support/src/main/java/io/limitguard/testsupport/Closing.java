package io.limitguard.testsupport;

/** Test clean-up: closes everything it is given, skipping nulls, and keeps going when one fails. */
public final class Closing {

    private Closing() {
    }

    public static void all(AutoCloseable... closeables) {
        for (AutoCloseable closeable : closeables) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep closing the others: a test's leftovers must not hide its result
            }
        }
    }
}

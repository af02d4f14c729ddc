package io.limitguard.analytics.web;

/** A query parameter is missing or wrong; {@code detail} names it. Answered with 400 problem+json. */
public class BadParameterException extends RuntimeException {

    private final String parameter;

    public BadParameterException(String parameter, String detail) {
        super(detail);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}

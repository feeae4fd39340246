package dev.dash.platform.http;

/**
 * The {@code Content-Security-Policy} a service sends on its responses. {@link HttpHardening} uses {@link
 * SecurityHeaders#API_POLICY} unless the service produces a bean of its own (web-service: its UI's policy).
 *
 * @param value the header's value
 */
public record ContentSecurityPolicy(String value) {}

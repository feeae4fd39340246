package dev.dash.web.auth;

import java.util.UUID;

/**
 * The person behind a request: their user row, created on first login.
 *
 * @param userId the users row
 * @param subject the OIDC subject
 * @param email e-mail address from the token
 * @param platformAdmin whether the token carries the realm role {@code dash-platform-admin}
 */
public record Actor(UUID userId, String subject, String email, boolean platformAdmin) {}

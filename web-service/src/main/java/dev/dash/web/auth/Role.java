package dev.dash.web.auth;

import java.util.List;
import java.util.Locale;

/** A member's role in a team, from least to most allowed (docs/rbac.md). */
public enum Role {
    VIEWER,
    MEMBER,
    ADMIN,
    OWNER;

    public static final List<String> NAMES = List.of("owner", "admin", "member", "viewer");

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }
}

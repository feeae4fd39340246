package dev.dash.web.api;

import dev.dash.model.api.ApiException;
import dev.dash.model.api.FieldError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** Collects every field problem of a request, then refuses it once with all of them. */
public final class Checks {
    private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");

    private final List<FieldError> errors = new ArrayList<>();

    public static Checks start() {
        return new Checks();
    }

    public Checks fail(String field, String reason) {
        errors.add(new FieldError(field, reason));
        return this;
    }

    public Checks require(String field, Object value) {
        if (value == null) {
            fail(field, "is required");
        }
        return this;
    }

    public Checks text(String field, String value, boolean required, int max) {
        if (value == null) {
            if (required) {
                fail(field, "is required");
            }
        } else if (value.isBlank()) {
            fail(field, "must not be blank");
        } else if (value.length() > max) {
            fail(field, "must be at most " + max + " characters");
        }
        return this;
    }

    public Checks slug(String field, String value, boolean required) {
        if (value == null) {
            if (required) {
                fail(field, "is required");
            }
        } else if (!SLUG.matcher(value).matches()) {
            fail(field, "must be 1-63 of a-z, 0-9 and '-', starting with a letter or digit");
        }
        return this;
    }

    public Checks email(String field, String value) {
        if (value == null) {
            fail(field, "is required");
        } else if (value.length() > 320 || !EMAIL.matcher(value).matches()) {
            fail(field, "must be an e-mail address");
        }
        return this;
    }

    public Checks range(String field, Number value, long min, long max) {
        if (value != null && (value.longValue() < min || value.longValue() > max)) {
            fail(field, "must be between " + min + " and " + max);
        }
        return this;
    }

    public Checks oneOf(String field, String value, Collection<String> allowed, boolean required) {
        if (value == null) {
            if (required) {
                fail(field, "is required");
            }
        } else if (!allowed.contains(value)) {
            fail(field, "must be one of " + String.join(", ", allowed));
        }
        return this;
    }

    /** How many problems were found so far. */
    public int errorCount() {
        return errors.size();
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /** Throws a 400 listing every problem, if there is any. */
    public void orThrow() {
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }
}

package dev.dash.model.poll;

/** A source configuration that cannot be used, naming the field (a JSON path into the config) and why. */
public class SourceConfigException extends RuntimeException {
    private final String field;

    /**
     * @param field the offending field, such as {@code source_config.pagination.type}
     * @param reason why it is refused
     */
    public SourceConfigException(String field, String reason) {
        super(field + " " + reason);
        this.field = field;
    }

    /**
     * The offending field.
     *
     * @return its path, such as {@code source_config.url}
     */
    public String field() {
        return field;
    }

    /**
     * Why the field is refused, without the field name.
     *
     * @return the reason
     */
    public String reason() {
        return getMessage().substring(field.length() + 1);
    }
}

package dev.dash.model.mapping;

/**
 * One mistake in a mapping document, found at compile time.
 *
 * @param pointer JSON Pointer (RFC 6901) to the offending place in the mapping document; {@code ""} is the
 *     whole document
 * @param message what is wrong and, where possible, how to fix it
 */
public record MappingProblem(String pointer, String message) {
    @Override
    public String toString() {
        return (pointer.isEmpty() ? "(document)" : pointer) + ": " + message;
    }
}

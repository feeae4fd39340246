package dev.dash.web.api;

/**
 * One problem with one input field.
 *
 * @param field the field, as the client named it (a JSON Pointer for mapping documents)
 * @param reason what is wrong with it
 */
public record FieldError(String field, String reason) {}

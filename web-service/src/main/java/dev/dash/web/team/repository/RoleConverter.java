package dev.dash.web.team.repository;

import dev.dash.model.team.Role;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** A {@link Role} stored as its text name ({@code owner}, {@code admin}, ...), as the columns' CHECKs want. */
@Converter
public class RoleConverter implements AttributeConverter<Role, String> {
    @Override
    public String convertToDatabaseColumn(Role role) {
        return role == null ? null : role.dbName();
    }

    @Override
    public Role convertToEntityAttribute(String name) {
        return name == null ? null : Role.of(name);
    }
}

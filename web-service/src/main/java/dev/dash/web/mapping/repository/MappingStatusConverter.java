package dev.dash.web.mapping.repository;

import dev.dash.model.mapping.MappingStatus;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** A {@link MappingStatus} stored as its text name ({@code pending}, {@code active}, ...), as the CHECK wants. */
@Converter
public class MappingStatusConverter implements AttributeConverter<MappingStatus, String> {
    @Override
    public String convertToDatabaseColumn(MappingStatus status) {
        return status == null ? null : status.dbName();
    }

    @Override
    public MappingStatus convertToEntityAttribute(String name) {
        return name == null ? null : MappingStatus.of(name);
    }
}

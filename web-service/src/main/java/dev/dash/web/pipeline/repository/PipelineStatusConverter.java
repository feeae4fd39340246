package dev.dash.web.pipeline.repository;

import dev.dash.model.pipeline.PipelineStatus;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** A {@link PipelineStatus} stored as its text name ({@code active}, {@code paused}, {@code error}), as the CHECK wants. */
@Converter
public class PipelineStatusConverter implements AttributeConverter<PipelineStatus, String> {
    @Override
    public String convertToDatabaseColumn(PipelineStatus status) {
        return status == null ? null : status.dbName();
    }

    @Override
    public PipelineStatus convertToEntityAttribute(String name) {
        return name == null ? null : PipelineStatus.of(name);
    }
}

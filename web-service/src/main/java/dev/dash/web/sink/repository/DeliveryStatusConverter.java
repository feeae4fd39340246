package dev.dash.web.sink.repository;

import dev.dash.model.sink.DeliveryStatus;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** A {@link DeliveryStatus} stored as its text name ({@code pending}, ...), as the column's CHECK wants. */
@Converter
public class DeliveryStatusConverter implements AttributeConverter<DeliveryStatus, String> {
    @Override
    public String convertToDatabaseColumn(DeliveryStatus status) {
        return status == null ? null : status.dbName();
    }

    @Override
    public DeliveryStatus convertToEntityAttribute(String name) {
        return name == null ? null : DeliveryStatus.of(name);
    }
}

package dev.dash.ingestor.pipeline;

import dev.dash.model.db.PipelineSnapshots;
import jakarta.inject.Singleton;
import javax.sql.DataSource;

/** The ingestor's bean for common-model's {@link PipelineSnapshots}, on the service's JDBC pool. */
@Singleton
public class PipelineRepository extends PipelineSnapshots {
    public PipelineRepository(DataSource dataSource) {
        super(dataSource);
    }
}

package dev.dash.platform.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AllowedMethodsTest {
    @Path("/api/teams/{teamId}/pipelines")
    static class Pipelines {
        @GET
        public void list() {}

        @POST
        public void create() {}

        @PATCH
        @Path("{pipelineId}")
        public void update() {}

        @DELETE
        @Path("/{pipelineId}/")
        public void delete() {}

        @POST
        @Path("{pipelineId}/pause")
        public void pause() {}

        @GET
        @Path("{pipelineId}/{version}")
        public void version() {}
    }

    // Shares the prefix with Pipelines: the case where Quarkus REST answers 404 instead of 405.
    @Path("/api/teams/{teamId}/pipelines/{pipelineId}/sinks")
    static class Sinks {
        @GET
        @Path("{sinkId: [0-9a-f-]{36}}")
        public void get() {}
    }

    static class NotAResource {
        @GET
        public void get() {}
    }

    private final AllowedMethods table = AllowedMethods.of(List.of(Pipelines.class, Sinks.class, NotAResource.class));

    @Test
    void collectsTheMethodsOfEveryResourceOnThePath() {
        assertThat(table.allowed("/api/teams/t1/pipelines")).containsExactly("GET", "HEAD", "OPTIONS", "POST");
        assertThat(table.allowed("/api/teams/t1/pipelines/p1")).containsExactly("DELETE", "OPTIONS", "PATCH");
        assertThat(table.allowed("/api/teams/t1/pipelines/p1/pause")).containsExactly("OPTIONS", "POST");
        assertThat(table.allowed("/api/teams/t1/pipelines/p1/pause/")).containsExactly("OPTIONS", "POST");
        // The literal template wins over {version}, as in JAX-RS: GET .../pause is a wrong method, not a version.
        assertThat(table.allowed("/api/teams/t1/pipelines/p1/7")).containsExactly("GET", "HEAD", "OPTIONS");
        assertThat(AllowedMethods.header(table.allowed("/api/teams/t1/pipelines/p1/pause")))
                .isEqualTo("OPTIONS, POST");
    }

    @Test
    void honoursParameterRegexesAndUnknownPaths() {
        assertThat(table.allowed("/api/teams/t/pipelines/p/sinks/0d0e0000-0000-4000-8000-000000000300"))
                .containsExactly("GET", "HEAD", "OPTIONS");
        assertThat(table.allowed("/api/teams/t/pipelines/p/sinks/not-a-uuid")).isEmpty();
        assertThat(table.allowed("/api/nothing")).isEmpty();
        assertThat(table.allowed("/api/teams/t1/pipelines/p1/pause/more")).isEmpty();
        assertThat(table.allowed(null)).isEmpty();
    }
}

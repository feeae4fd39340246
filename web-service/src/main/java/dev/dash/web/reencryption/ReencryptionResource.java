package dev.dash.web.reencryption;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Master-key rotation for platform admins (docs/configuration.md, {@code dash.crypto.active-key}). */
@Path("/api/platform/crypto/reencrypt")
@Authenticated
@Tag(name = "platform")
public class ReencryptionResource {
    private final ReencryptionService service;

    public ReencryptionResource(ReencryptionService service) {
        this.service = service;
    }

    /** Rewrites every ciphertext not under the active key; idempotent, safe to repeat. */
    @POST
    public Uni<ReencryptionService.Report> reencrypt() {
        return service.run();
    }
}

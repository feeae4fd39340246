package dev.dash.web.auth;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * A client-credentials token of a service client ({@code dash.security.service-clients}, by the token's
 * {@code azp}) is a machine, not a person: its identity keeps the principal but its roles are replaced by
 * {@link #SERVICE_ROLE} alone (a realm role given to the service account, {@code dash-platform-admin} included,
 * counts for nothing), and {@link Users} creates no user row for it, so it has no team rights and cannot create
 * teams (403).
 */
@ApplicationScoped
public class ServiceTokens implements SecurityIdentityAugmentor {
    /** The one role a service token has. */
    public static final String SERVICE_ROLE = "dash-service";

    private final List<String> clients;

    public ServiceTokens(SecurityConfig config) {
        this.clients = config.serviceClients();
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt) || !isService(jwt)) {
            return Uni.createFrom().item(identity);
        }
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder()
                .setPrincipal(identity.getPrincipal())
                .addCredentials(identity.getCredentials())
                .addAttributes(identity.getAttributes())
                .addRole(SERVICE_ROLE)
                .setAnonymous(false);
        return Uni.createFrom().item(b.build());
    }

    /** Whether a token was issued to one of the service clients. */
    boolean isService(JsonWebToken jwt) {
        Object azp = jwt.getClaim("azp");
        String client = azp == null ? null : azp.toString().replace("\"", "");
        return client != null && clients.contains(client);
    }
}

package dev.dash.web.team.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The teams, through Hibernate Reactive Panache (docs/api.md, "How the services reach the shared tables").
 * Callers run it inside {@code Panache.withTransaction}, where their audit row is written too.
 */
@ApplicationScoped
public class TeamRepository implements PanacheRepositoryBase<TeamEntity, UUID> {}

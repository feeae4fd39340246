package dev.dash.replay.replay;

import dev.dash.model.api.ApiException;
import dev.dash.model.api.FieldError;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.replay.Replay;
import dev.dash.model.replay.ReplayState;
import dev.dash.replay.auth.Caller;
import dev.dash.replay.control.ControlPublisher;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.RequestScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Starting, reading and cancelling replays, for admins and owners of the pipeline's team. Every change is
 * one transaction with its audit row.
 */
@RequestScoped
public class ReplayService {
    private static final int LIST_LIMIT = 100;

    private final Caller caller;
    private final ControlPublisher publisher;

    public ReplayService(Caller caller, ControlPublisher publisher) {
        this.caller = caller;
        this.publisher = publisher;
    }

    /** Queues a replay of the pipeline; the job runner picks it up. */
    public Replay start(UUID pipelineId, ReplayRequest request) throws SQLException {
        ReplayRequest req = request == null ? new ReplayRequest(null, null, null, null) : request;
        try (Connection c = caller.connection()) {
            c.setAutoCommit(false);
            try {
                ReplayRepository.PipelineVersions p = ReplayRepository.pipeline(c, pipelineId);
                if (p == null) {
                    throw ApiException.notFound("pipeline");
                }
                UUID userId = caller.requireAdmin(c, p.teamId(), "pipeline");
                String kind = req.kind() == null ? "mapping" : req.kind();
                validate(kind, req);
                int target = target(c, pipelineId, p, kind, req.targetVersion());
                UUID open = ReplayRepository.openReplay(c, pipelineId);
                if (open != null) {
                    throw ApiException.conflict("a replay of this pipeline is already open: " + open);
                }
                UUID id = UuidV7.next();
                ReplayRepository.insert(
                        c, id, pipelineId, p.teamId(), kind, p.activeVersion(), target, req.from(), req.to(), userId);
                ReplayRepository.audit(c, userId, caller.subject(), "replay.start", id);
                Replay created = ReplayRepository.find(c, id, false);
                c.commit();
                Log.infof("Replay %s of pipeline %s to version %d queued (%s)", id, pipelineId, target, kind);
                return created;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** One replay. */
    public Replay get(UUID replayId) throws SQLException {
        try (Connection c = caller.connection()) {
            Replay r = ReplayRepository.find(c, replayId, false);
            if (r == null) {
                throw ApiException.notFound("replay");
            }
            caller.requireAdmin(c, r.teamId(), "replay");
            return r;
        }
    }

    /** The pipeline's replays, newest first (at most 100). */
    public List<Replay> list(UUID pipelineId) throws SQLException {
        try (Connection c = caller.connection()) {
            ReplayRepository.PipelineVersions p = ReplayRepository.pipeline(c, pipelineId);
            if (p == null) {
                throw ApiException.notFound("pipeline");
            }
            caller.requireAdmin(c, p.teamId(), "pipeline");
            return ReplayRepository.byPipeline(c, pipelineId, LIST_LIMIT);
        }
    }

    /**
     * Cancels a replay: at once when no job holds it yet, otherwise at the job's next checkpoint. The old
     * version stays active and untouched either way.
     */
    public Replay cancel(UUID replayId) throws SQLException {
        try (Connection c = caller.connection()) {
            c.setAutoCommit(false);
            try {
                Replay r = ReplayRepository.find(c, replayId, true);
                if (r == null) {
                    throw ApiException.notFound("replay");
                }
                UUID userId = caller.requireAdmin(c, r.teamId(), "replay");
                ReplayState state = ReplayState.of(r.state());
                if (state.isFinal()) {
                    throw ApiException.conflict("state", "the replay has already " + r.state());
                }
                boolean now = state == ReplayState.QUEUED || state == ReplayState.WAITING_FOR_ARCHIVE;
                if (now) {
                    ReplayRepository.cancelNow(c, r);
                } else if (state == ReplayState.CUTTING_OVER) {
                    throw ApiException.conflict("state", "the replay is cutting over and can no longer be cancelled");
                } else {
                    ReplayRepository.requestCancel(c, replayId);
                }
                ReplayRepository.audit(c, userId, caller.subject(), "replay.cancel", replayId);
                Replay after = ReplayRepository.find(c, replayId, false);
                c.commit();
                Log.infof("Replay %s cancel requested (was %s)", replayId, r.state());
                if (now && "mapping".equals(r.kind())) {
                    // Writers stop dual-writing the cancelled version.
                    publisher.pipelineChanged(r.pipelineId());
                }
                return after;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static void validate(String kind, ReplayRequest req) {
        List<FieldError> errors = new ArrayList<>();
        if (!"mapping".equals(kind) && !"quarantine".equals(kind)) {
            errors.add(new FieldError("kind", "must be mapping or quarantine"));
        }
        if (req.from() != null && req.to() != null && !req.from().isBefore(req.to())) {
            errors.add(new FieldError("to", "must be after from"));
        }
        if (req.targetVersion() != null && req.targetVersion() < 1) {
            errors.add(new FieldError("target_version", "must be 1 or more"));
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }

    private static int target(
            Connection c, UUID pipelineId, ReplayRepository.PipelineVersions p, String kind, Integer asked)
            throws SQLException {
        if ("quarantine".equals(kind)) {
            if (p.activeVersion() == null) {
                throw ApiException.conflict("target_version", "the pipeline has no active mapping version");
            }
            if (asked != null && !asked.equals(p.activeVersion())) {
                throw ApiException.invalid(
                        "target_version", "a quarantine replay uses the active version " + p.activeVersion());
            }
            return p.activeVersion();
        }
        if (asked == null) {
            if (p.pendingVersion() == null) {
                throw ApiException.conflict("target_version", "the pipeline has no pending mapping version");
            }
            return p.pendingVersion();
        }
        String status = ReplayRepository.versionStatus(c, pipelineId, asked);
        if (status == null) {
            throw ApiException.invalid("target_version", "the pipeline has no version " + asked);
        }
        if (!"pending".equals(status)) {
            throw ApiException.conflict("target_version", "version " + asked + " is " + status + ", not pending");
        }
        return asked;
    }
}

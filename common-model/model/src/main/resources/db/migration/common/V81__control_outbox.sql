-- The dash.control outbox (docs/api.md, "dash.control"): a pipeline whose newest state (snapshot, or
-- tombstone once the row is gone) Kafka has not acknowledged yet. Triggers on pipelines write it in the
-- transaction of the change itself, whoever makes it (web, replay's cut-over, a team's cascade delete), so a
-- committed change cannot be forgotten by a node that stops before Kafka took its snapshot. Web nodes publish
-- the pipeline's current state after the commit and again from ControlRedelivery, and delete the row when
-- Kafka acknowledged it, only if no newer change queued it again meanwhile (seq).
CREATE SEQUENCE control_outbox_seq;

CREATE TABLE control_outbox (
    pipeline_id uuid        PRIMARY KEY,
    seq         bigint      NOT NULL,
    queued_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX control_outbox_seq_idx ON control_outbox (seq);

CREATE FUNCTION dash_control_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO control_outbox (pipeline_id, seq)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, nextval('control_outbox_seq'))
    ON CONFLICT (pipeline_id) DO UPDATE SET seq = EXCLUDED.seq, queued_at = now();
    RETURN NULL;
END
$$;

-- A snapshot's revision is updated_at, and every change to what a snapshot holds moves it (child rows such
-- as secrets and mapping versions touch it): an update that leaves it alone changes nothing to publish.
CREATE TRIGGER pipelines_control_outbox_change
    AFTER INSERT OR DELETE ON pipelines
    FOR EACH ROW EXECUTE FUNCTION dash_control_outbox();

CREATE TRIGGER pipelines_control_outbox_update
    AFTER UPDATE ON pipelines
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION dash_control_outbox();

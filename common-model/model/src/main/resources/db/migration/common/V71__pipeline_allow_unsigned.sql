-- A push-fed (realtime) pipeline takes unsigned pushes only when an admin allowed it explicitly
-- (issue 18: an unsigned ingest URL accepts events from anyone who learns the pipeline id).
ALTER TABLE pipelines ADD COLUMN allow_unsigned boolean NOT NULL DEFAULT false;

-- Realtime pipelines that are unsigned today had `signature_preset: none` chosen by an admin (the API's default
-- for realtime is standard_webhooks), so they keep taking pushes; polled and p2p ones never take pushes.
UPDATE pipelines SET allow_unsigned = true
WHERE type = 'realtime' AND coalesce(signature_preset, 'none') = 'none';

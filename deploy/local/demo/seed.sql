-- Demo data for `deploy/local/dash run`: one team with the realm's demo users in each role, two pipelines
-- (greenhouse sensors signed the Standard Webhooks way, GitHub push deliveries) and a dashboard over both.
-- Idempotent. Signature presets, secrets and mappings are set afterwards through the API by `dash run`
-- (generated, encrypted, published on dash.control), not here. The users' OIDC subjects are the fixed ids given in deploy/keycloak/dash-realm.json.
BEGIN;

INSERT INTO teams (id, name, slug) VALUES ('0d0e0000-0000-4000-8000-000000000100', 'Demo', 'demo')
ON CONFLICT (id) DO NOTHING;

INSERT INTO users (id, oidc_subject, email, display_name, platform_admin) VALUES
    ('0d0e0000-0000-4000-8000-000000000001', '0d0e0000-0000-4000-8000-000000000001', 'owner@demo.dash', 'Olive Owner', false),
    ('0d0e0000-0000-4000-8000-000000000002', '0d0e0000-0000-4000-8000-000000000002', 'admin@demo.dash', 'Adam Admin', false),
    ('0d0e0000-0000-4000-8000-000000000003', '0d0e0000-0000-4000-8000-000000000003', 'member@demo.dash', 'Mia Member', false),
    ('0d0e0000-0000-4000-8000-000000000004', '0d0e0000-0000-4000-8000-000000000004', 'viewer@demo.dash', 'Victor Viewer', false),
    ('0d0e0000-0000-4000-8000-000000000005', '0d0e0000-0000-4000-8000-000000000005', 'platform@demo.dash', 'Pat Platform', true)
ON CONFLICT (id) DO NOTHING;

INSERT INTO memberships (id, team_id, user_id, role) VALUES
    ('0d0e0000-0000-4000-8000-000000000201', '0d0e0000-0000-4000-8000-000000000100', '0d0e0000-0000-4000-8000-000000000001', 'owner'),
    ('0d0e0000-0000-4000-8000-000000000202', '0d0e0000-0000-4000-8000-000000000100', '0d0e0000-0000-4000-8000-000000000002', 'admin'),
    ('0d0e0000-0000-4000-8000-000000000203', '0d0e0000-0000-4000-8000-000000000100', '0d0e0000-0000-4000-8000-000000000003', 'member'),
    ('0d0e0000-0000-4000-8000-000000000204', '0d0e0000-0000-4000-8000-000000000100', '0d0e0000-0000-4000-8000-000000000004', 'viewer')
ON CONFLICT (team_id, user_id) DO NOTHING;

INSERT INTO pipelines (id, team_id, name, type, signature_preset, persist_data) VALUES
    ('0d0e0000-0000-4000-8000-000000000300', '0d0e0000-0000-4000-8000-000000000100', 'demo-webhooks', 'realtime', 'standard_webhooks', true),
    ('0d0e0000-0000-4000-8000-000000000301', '0d0e0000-0000-4000-8000-000000000100', 'demo-github', 'realtime', 'github', true)
ON CONFLICT (id) DO NOTHING;

INSERT INTO dashboards (id, team_id, name, slug, layout) VALUES
    ('0d0e0000-0000-4000-8000-000000000400', '0d0e0000-0000-4000-8000-000000000100', 'Demo', 'demo', '{"columns": 12}')
ON CONFLICT (id) DO NOTHING;

INSERT INTO widgets (id, dashboard_id, type, title, position, data_query) VALUES
    ('0d0e0000-0000-4000-8000-000000000401', '0d0e0000-0000-4000-8000-000000000400', 'line_chart', 'Temperature',
     '{"x": 0, "y": 0, "w": 8, "h": 4}',
     '{"pipeline_id": "0d0e0000-0000-4000-8000-000000000300", "metric": "temperature", "aggregation": "avg"}'),
    ('0d0e0000-0000-4000-8000-000000000402', '0d0e0000-0000-4000-8000-000000000400', 'stat_card', 'Last reading',
     '{"x": 8, "y": 0, "w": 4, "h": 4}',
     '{"pipeline_id": "0d0e0000-0000-4000-8000-000000000300", "metric": "temperature", "aggregation": "last"}'),
    ('0d0e0000-0000-4000-8000-000000000403', '0d0e0000-0000-4000-8000-000000000400', 'line_chart', 'Humidity (%)',
     '{"x": 0, "y": 4, "w": 6, "h": 4}',
     '{"pipeline_id": "0d0e0000-0000-4000-8000-000000000300", "metric": "humidity", "aggregation": "avg"}'),
    ('0d0e0000-0000-4000-8000-000000000404', '0d0e0000-0000-4000-8000-000000000400', 'bar_chart', 'Commits pushed (GitHub)',
     '{"x": 6, "y": 4, "w": 6, "h": 4}',
     '{"pipeline_id": "0d0e0000-0000-4000-8000-000000000301", "metric": "commits", "aggregation": "sum"}')
ON CONFLICT (id) DO NOTHING;

COMMIT;

-- Long-lived pooled sessions: DISCARD ALL, RESET ALL, DISCARD PLANS and a role switch between
-- "clients" leave the session's compiled TVIEWs valid (or rebuilt), maintenance pinned to the
-- TVIEW's settings, and the session's own settings reset.
CREATE SCHEMA poolers;
SET search_path = poolers, public;
CREATE TABLE src (id int PRIMARY KEY, at timestamptz, v numeric);
INSERT INTO src VALUES (1, '2024-01-01 12:00+00', 1.5), (2, '2024-06-01 12:00+00', 2.25);
CREATE TABLE tv USING tview_am AS SELECT id, jsonb_build_object('at', at, 'v', v, 'text', at::text) AS data FROM src;
SELECT data FROM tv ORDER BY id;

-- Client 1: odd settings, a write, then the pooler resets the session.
SET TimeZone = 'Asia/Tokyo';
SET DateStyle = 'SQL, DMY';
SET pg_tviews.jit_threshold = 0;
UPDATE src SET v = v + 1 WHERE id = 1;
DISCARD ALL;
-- Client 2 (search_path reset by DISCARD ALL).
SELECT setting = reset_val AS threshold_reset FROM pg_settings WHERE name = 'pg_tviews.jit_threshold';
SELECT current_setting('TimeZone') <> 'Asia/Tokyo' AS timezone_reset;
UPDATE poolers.src SET at = at + interval '1 hour' WHERE id = 2;
SELECT data FROM poolers.tv ORDER BY id;
SELECT oracle('poolers.tv', $$SELECT id, jsonb_build_object('at', at, 'v', v, 'text', at::text) AS data FROM poolers.src$$)
  AS oracle;
RESET ALL;
DISCARD PLANS;
DISCARD TEMP;
INSERT INTO poolers.src VALUES (3, '2025-01-01 00:00+00', 3);
SELECT pg_tviews_verify('poolers.tv');
-- A pooled connection changing role between clients.
CREATE ROLE regress_tviews_pooled;
GRANT USAGE ON SCHEMA poolers TO regress_tviews_pooled;
GRANT INSERT, UPDATE, SELECT ON poolers.src TO regress_tviews_pooled;
SET SESSION AUTHORIZATION regress_tviews_pooled;
UPDATE poolers.src SET v = 10 WHERE id = 3;
RESET SESSION AUTHORIZATION;
DISCARD ALL;
SELECT pg_tviews_verify('poolers.tv');
SELECT data->>'v' AS v FROM poolers.tv WHERE id = 3;
DROP OWNED BY regress_tviews_pooled;
DROP ROLE regress_tviews_pooled;
DROP SCHEMA poolers CASCADE;

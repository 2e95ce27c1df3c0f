-- Bad input to every SQL-callable function of the extension: NULLs, relations that are not
-- TVIEWs, invalid OIDs, garbage text, other users' TVIEWs, internal functions called directly.
-- Each answers with a clear error (SQLSTATE shown) or a NULL for a NULL, never a crash, and
-- leaves nothing behind.
CREATE SCHEMA bad_input;
SET search_path = bad_input, public;
CREATE TABLE src (id int PRIMARY KEY, v text);
INSERT INTO src VALUES (1, 'a'), (2, 'b');
CREATE TABLE tv USING tview_am AS SELECT id, v FROM src;

-- pg_tviews_create(name, query)
SELECT code, message FROM caught($$SELECT pg_tviews_create(NULL, 'SELECT 1')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('tv_x', NULL)$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('', 'SELECT id FROM bad_input.src')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('tv_x', 'this is not SQL')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('tv_x', 'SELECT id FROM bad_input.src; DROP TABLE bad_input.src')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('tv_x', 'DELETE FROM bad_input.src')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('tv_x', '')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('a.b.c.d', 'SELECT id FROM bad_input.src')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('no_such_schema.tv_x', 'SELECT id FROM bad_input.src')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('bad_input.src', 'SELECT id FROM bad_input.src')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_create('tv_x', 'SELECT id FROM bad_input.no_such_table')$$);
SELECT to_regclass('bad_input.tv_x') AS nothing_created;

-- pg_tviews_refresh, pg_tviews_verify, pg_tviews_explain, pg_tviews_reattach,
-- pg_tviews_stats_reset: NULL, a plain table, a catalog, an OID that is no relation.
SELECT pg_tviews_refresh(NULL) IS NULL AS refresh_null, pg_tviews_verify(NULL) IS NULL AS verify_null,
       pg_tviews_explain(NULL) IS NULL AS explain_null, pg_tviews_explain('tv', NULL) IS NULL AS explain_format_null;
SELECT f, (caught(format('SELECT %s(%L::regclass)', f, r))).code AS code
  FROM unnest(ARRAY['pg_tviews_refresh', 'pg_tviews_verify', 'pg_tviews_explain', 'pg_tviews_reattach']) f,
       unnest(ARRAY['bad_input.src', 'pg_catalog.pg_class', '0', '4294967295']) r
 ORDER BY f, r;
SELECT code, message FROM caught($$SELECT pg_tviews_verify('bad_input.src')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_explain('bad_input.tv', 'garbage')$$);
SELECT code FROM caught($$SELECT pg_tviews_explain('bad_input.tv', '')$$);
SELECT code FROM caught($$SELECT pg_tviews_stats_reset('bad_input.src')$$);
SELECT code FROM caught($$SELECT pg_tviews_stats_reset(0)$$);
-- ... and resets nothing: only NULL (no argument) means every TVIEW.
UPDATE bad_input.src SET v = v || '!' WHERE id = 1;
SELECT pg_tviews_stats_reset(0);
SELECT kernel_runs > 0 AS counters_kept FROM pg_tviews_stats WHERE schemaname = 'bad_input' AND relname = 'tv';
UPDATE bad_input.src SET v = 'a' WHERE id = 1;
SELECT * FROM pg_tviews_reattach('bad_input.tv');

-- Internal functions called directly.
SELECT code, message FROM caught($$SELECT tviews.maintain()$$);
SELECT code, message FROM caught($$SELECT tviews.restore_tview()$$);
SELECT code, message FROM caught($$SELECT tviews.forget_dropped()$$);
SELECT code FROM caught($$SELECT tviews.tview_am_handler(NULL)$$);
SELECT code FROM caught($$SELECT tviews.require_preload()$$);
SELECT count(*) >= 0 AS stats_ok FROM tviews.stats();
SELECT count(*) >= 0 AS kernels_ok FROM pg_tviews_kernels();

-- Another user's TVIEW: refresh and reattach are the owner's; verify and explain need SELECT.
CREATE ROLE regress_tviews_stranger;
GRANT USAGE ON SCHEMA bad_input TO regress_tviews_stranger;
SET ROLE regress_tviews_stranger;
SELECT code FROM caught($$SELECT pg_tviews_refresh('bad_input.tv')$$);
SELECT code FROM caught($$SELECT pg_tviews_reattach('bad_input.tv')$$);
SELECT code FROM caught($$SELECT pg_tviews_verify('bad_input.tv')$$);
SELECT code FROM caught($$SELECT pg_tviews_explain('bad_input.tv')$$);
SELECT count(*) AS reattached FROM pg_tviews_reattach();  -- owns none: nothing done
RESET ROLE;
DROP OWNED BY regress_tviews_stranger;
DROP ROLE regress_tviews_stranger;

-- The TVIEW is intact and maintained after all of it.
UPDATE src SET v = 'c' WHERE id = 2;
SELECT oracle('bad_input.tv', 'SELECT id, v FROM bad_input.src') AS oracle, pg_tviews_verify('bad_input.tv') AS verify;

RESET search_path;
DROP SCHEMA bad_input CASCADE;

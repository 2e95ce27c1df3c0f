-- tview_am: heap storage that only pg_tviews writes.
CREATE TABLE src (id int PRIMARY KEY, name text, tags text[]);
INSERT INTO src SELECT g, 'name ' || g, ARRAY['t' || g % 3] FROM generate_series(1, 200) g;

-- CREATE TABLE ... USING tview_am AS SELECT fills the new table.
CREATE TABLE tv USING tview_am AS
    SELECT id, jsonb_build_object('id', id, 'name', name, 'tags', tags) AS data FROM src;
SELECT a.amname, count(*) AS rows FROM tv, pg_class c JOIN pg_am a ON a.oid = c.relam
 WHERE c.oid = 'tv'::regclass GROUP BY a.amname;

-- Nobody else writes it: every way in is refused up front, naming the TVIEW.
SELECT * FROM caught('INSERT INTO tv VALUES (0, ''{}'')');
SELECT * FROM caught('INSERT INTO tv SELECT * FROM tv');
SELECT code, message FROM caught('INSERT INTO tv VALUES (1, ''{}'') ON CONFLICT DO NOTHING');
SELECT code, message FROM caught('UPDATE tv SET data = ''{}''');
SELECT code, message FROM caught('UPDATE tv SET data = ''{}'' WHERE false');
SELECT code, message FROM caught('DELETE FROM tv WHERE id = 1');
SELECT code, message FROM caught('MERGE INTO tv USING src ON tv.id = src.id WHEN MATCHED THEN DELETE');
SELECT code, message FROM caught('WITH w AS (DELETE FROM tv RETURNING 1) SELECT count(*) FROM w');
SELECT code, message FROM caught('COPY tv FROM PROGRAM ''echo 0''');
SELECT * FROM caught('CREATE TABLE tv2 (id int) USING tview_am');
SELECT code, message FROM caught('CREATE MATERIALIZED VIEW mv USING tview_am AS SELECT 1 AS x');
SELECT code, message FROM caught('ALTER TABLE src SET ACCESS METHOD tview_am');
SELECT code, message FROM caught('ALTER TABLE tv SET ACCESS METHOD heap');
SET default_table_access_method = tview_am;
SELECT code, message FROM caught('CREATE TABLE tv3 (id int)');
RESET default_table_access_method;
-- Nothing changed.
SELECT count(*), sum(id) FROM tv;
-- EXPLAIN without ANALYZE writes nothing and is allowed.
EXPLAIN (COSTS OFF) DELETE FROM tv WHERE id = 1;
-- Reading, and locking rows for reading, is fine.
SELECT id FROM tv WHERE id = 3 FOR UPDATE;

-- Indexes: plain, unique, expression on jsonb, GIN on jsonb, built concurrently.
CREATE UNIQUE INDEX tv_id ON tv (id);
CREATE INDEX tv_name ON tv ((data->>'name'));
CREATE INDEX tv_data ON tv USING gin (data jsonb_path_ops);
CREATE INDEX CONCURRENTLY tv_tags ON tv ((data->'tags'));
REINDEX TABLE tv;
REINDEX TABLE CONCURRENTLY tv;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM tv WHERE data->>'name' = 'name 42';
SELECT id FROM tv WHERE data->>'name' = 'name 42';
EXPLAIN (COSTS OFF) SELECT count(*) FROM tv WHERE data @> '{"tags": ["t1"]}';
SELECT count(*) FROM tv WHERE data @> '{"tags": ["t1"]}';
RESET enable_seqscan;
SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indrelid = 'tv'::regclass ORDER BY 1;

-- TOAST: the toast table is plain heap, and large documents round-trip.
SELECT a.amname AS toast_am FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid
  JOIN pg_am a ON a.oid = t.relam WHERE c.oid = 'tv'::regclass;
CREATE TABLE big_src (id int PRIMARY KEY, body text);
INSERT INTO big_src SELECT g, (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 300) i)
  FROM generate_series(1, 20) g;
CREATE TABLE tv_big USING tview_am AS SELECT id, jsonb_build_object('body', body) AS data FROM big_src;
SELECT pg_relation_size(reltoastrelid) > 0 AS toasted FROM pg_class WHERE oid = 'tv_big'::regclass;
SELECT count(*) FROM tv_big t JOIN big_src b USING (id) WHERE t.data->>'body' = b.body;
-- Documents are compressed with lz4 (the filling CREATE and every later write), and a user may
-- choose another method for a column.
SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'tv_big'::regclass AND attnum > 0 ORDER BY attnum;
SELECT DISTINCT pg_column_compression(data) FROM tv_big;
ALTER TABLE tv_big ALTER COLUMN data SET COMPRESSION pglz;
SELECT attcompression FROM pg_attribute WHERE attrelid = 'tv_big'::regclass AND attname = 'data';

-- Maintenance commands.
VACUUM tv;
VACUUM (FULL) tv;
VACUUM (ANALYZE) tv_big;
ANALYZE tv;
CLUSTER tv USING tv_id;
SELECT reltuples > 0 AS analyzed FROM pg_class WHERE oid = 'tv'::regclass;
SELECT count(*), sum(id), count(DISTINCT data) FROM tv;
SET enable_seqscan = off;
SELECT id, data->>'name' AS name FROM tv WHERE id BETWEEN 10 AND 12 ORDER BY id;
RESET enable_seqscan;
-- Triggers and rules on a TVIEW would interfere with the engine's writes: refused.
CREATE FUNCTION noop_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
SELECT code, message FROM caught('CREATE TRIGGER t BEFORE INSERT ON tv FOR EACH ROW EXECUTE FUNCTION noop_trigger()');
SELECT code, message FROM caught('CREATE RULE r AS ON INSERT TO tv DO INSTEAD NOTHING');
DROP FUNCTION noop_trigger();
-- TRUNCATE of a TVIEW would leave it stale: refused.
SELECT * FROM caught('TRUNCATE tv');
SELECT count(*) FROM tv;
-- After VACUUM FULL, CLUSTER and REINDEX the TVIEW still equals its definition.
SELECT pg_tviews_verify('tv');

-- Restore mode (superuser only) lets pg_restore create and load TVIEW tables.
SET pg_tviews.restore_mode = on;
CREATE TABLE tv_restored (id int, data jsonb) USING tview_am;
INSERT INTO tv_restored VALUES (1, '{"a": 1}');
COPY tv_restored FROM STDIN;
2	{"a": 2}
\.
RESET pg_tviews.restore_mode;
SELECT * FROM tv_restored ORDER BY id;
SELECT code, message FROM caught('INSERT INTO tv_restored VALUES (3, ''{}'')');

-- A rolled-back CREATE leaves nothing behind.
BEGIN;
CREATE TABLE tv_gone USING tview_am AS SELECT id FROM src;
ROLLBACK;
SELECT to_regclass('tv_gone') AS tv_gone;

DROP TABLE tv, tv_big, tv_restored, big_src, src;

-- EXPLAIN of writes on sources lists the TVIEW maintenance they cause (which TVIEWs, kernels,
-- how dependent rows are found, what is patched or recomputed, the tier); with ANALYZE, the
-- rows patched, recomputed, inserted and deleted per TVIEW. Every format stays a valid
-- document (json and xml parsed back here). pg_tviews_explain(tview) describes each shape.
-- pg_tviews_stats counts maintenance over sessions; pg_tviews_stats_reset() clears it.
CREATE SCHEMA explain;
SET search_path = explain, public;
SET pg_tviews.jit = off;  -- the tier shown is deterministic (jit.sql covers the compiled tier)

-- explain_lines(sql): EXPLAIN (COSTS OFF, BUFFERS OFF, and what `opts` adds) of sql, with the
-- OIDs the server appends to internal trigger names and timings masked, and the same on every
-- server version (18 prints "rows=1.00" and the index searches of each index scan).
CREATE FUNCTION explain_lines(sql text, opts text DEFAULT '') RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF, BUFFERS OFF' || opts || ') ' || sql LOOP
        CONTINUE WHEN line ~ '^\s*Index Searches: ';
        RETURN NEXT regexp_replace(regexp_replace(regexp_replace(line, '_[0-9]+:', '_N:'), 'time=[0-9.]+', 'time=T'),
                                   'rows=([0-9]+)\.00 ', 'rows=\1 ', 'g');
    END LOOP;
END $$;
CREATE FUNCTION explain_doc(sql text, format text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE doc text := '';
        line text;
BEGIN
    FOR line IN EXECUTE format('EXPLAIN (ANALYZE, COSTS OFF, FORMAT %s) %s', format, sql) LOOP
        doc := doc || line || E'\n';
    END LOOP;
    RETURN doc;
END $$;

CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text, email text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text, draft boolean DEFAULT false);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, body text);
CREATE TABLE tb_unrelated (id int PRIMARY KEY, note text);
CREATE INDEX ON tb_post (fk_user);
CREATE INDEX ON tb_comment (fk_post);
INSERT INTO tb_user VALUES (1, 'ann', 'a@x'), (2, 'bob', 'b@x');
INSERT INTO tb_post VALUES (10, 1, 'hello'), (11, 1, 'again'), (12, 2, 'bob post');
INSERT INTO tb_comment VALUES (100, 10, 'nice'), (101, 10, 'meh');
-- A to-one join, a child count (maintained from the change), a filter, a left join, a TVIEW
-- over a TVIEW (cascade).
CREATE TABLE tv_post USING tview_am AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title,
                          'author', jsonb_build_object('name', u.name, 'email', u.email),
                          'n_comments', (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
 WHERE NOT p.draft;
CREATE TABLE tv_comment USING tview_am AS
SELECT c.pk_comment, c.body, p.title AS post_title
  FROM tb_comment c LEFT JOIN tb_post p ON p.pk_post = c.fk_post;
CREATE TABLE tv_user USING tview_am AS
SELECT u.pk_user,
       jsonb_build_object('name', u.name,
                          'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post) FROM tv_post tp
                                              WHERE tp.fk_user = u.pk_user), '[]')) AS data
  FROM tb_user u;

-- EXPLAIN without ANALYZE: nothing runs, the kernels are listed.
SELECT * FROM explain_lines($$UPDATE tb_user SET name = 'ANN' WHERE pk_user = 1$$);
SELECT * FROM explain_lines($$INSERT INTO tb_comment VALUES (102, 11, 'x')$$);
SELECT * FROM explain_lines($$DELETE FROM tb_post WHERE pk_post = 12$$);
SELECT * FROM explain_lines($$INSERT INTO tb_user VALUES (1, 'ann') ON CONFLICT (pk_user) DO UPDATE SET name = excluded.name$$);
SELECT * FROM explain_lines($$WITH c AS (DELETE FROM tb_comment WHERE pk_comment = 100 RETURNING fk_post)
                              UPDATE tb_post SET title = title || '!' WHERE pk_post IN (SELECT fk_post FROM c)$$);
SELECT * FROM explain_lines($$UPDATE tb_unrelated SET note = 'n'$$);
SELECT * FROM explain_lines($$SELECT * FROM tb_user$$);
SELECT oracle('explain.tv_post', $$SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author',
    jsonb_build_object('name', u.name, 'email', u.email), 'n_comments', (SELECT count(*) FROM explain.tb_comment c
    WHERE c.fk_post = p.pk_post)) AS data FROM explain.tb_post p JOIN explain.tb_user u ON u.pk_user = p.fk_user
    WHERE NOT p.draft$$) AS tv_post_unchanged;

-- EXPLAIN ANALYZE: the statement runs; the figures per TVIEW and source.
SELECT * FROM explain_lines($$UPDATE tb_user SET name = 'ANN' WHERE pk_user = 1$$, ', ANALYZE, TIMING OFF, SUMMARY OFF');
SELECT * FROM explain_lines($$UPDATE tb_post SET draft = true WHERE pk_post = 11$$, ', ANALYZE, TIMING OFF, SUMMARY OFF');
SELECT * FROM explain_lines($$INSERT INTO tb_post VALUES (13, 2, 'new')$$, ', ANALYZE, TIMING OFF, SUMMARY OFF');
SELECT pg_tviews_verify('tv_post'), pg_tviews_verify('tv_comment'), pg_tviews_verify('tv_user');

-- Structured formats parse back.
SELECT d::jsonb -> 0 -> 'TVIEW Maintenance' -> 0 ->> 'TVIEW' AS tview,
       d::jsonb -> 0 -> 'TVIEW Maintenance' -> 0 -> 'Kernels' -> 0 ->> 'Change' AS change,
       d::jsonb -> 0 -> 'TVIEW Maintenance' -> 0 -> 'Kernels' -> 0 -> 'Patches' AS patches,
       d::jsonb -> 0 -> 'TVIEW Maintenance' -> 0 ->> 'Rows Patched' AS rows_patched,
       (d::jsonb -> 0 -> 'TVIEW Maintenance' -> 0 ->> 'Time')::float8 >= 0 AS timed,
       d::jsonb -> 0 ? 'Execution Time' AS has_execution_time
  FROM explain_doc($$INSERT INTO tb_comment VALUES (103, 13, 'y')$$, 'json') d;
SELECT xml_is_well_formed_document(explain_doc($$UPDATE tb_user SET email = 'b@y' WHERE pk_user = 2$$, 'xml')) AS xml_ok,
       explain_doc($$UPDATE tb_user SET email = 'b@z' WHERE pk_user = 2$$, 'yaml') ~ E'\n    TVIEW Maintenance:' AS yaml_has_section;
SELECT pg_tviews_verify('tv_post'), pg_tviews_verify('tv_comment'), pg_tviews_verify('tv_user');

-- pg_tviews_explain: every shape, in text and parsed back from json and xml.
SELECT pg_tviews_explain('tv_post');
SELECT pg_tviews_explain('tv_comment');
SELECT pg_tviews_explain('tv_user');
SELECT e::jsonb -> 0 ->> 'TVIEW' AS tview, e::jsonb -> 0 ->> 'Key' AS key,
       jsonb_path_query_array(e::jsonb, '$[0].Relations[*].Role') AS roles,
       jsonb_array_length(e::jsonb -> 0 -> 'Kernels') AS kernels
  FROM pg_tviews_explain('tv_post', 'json') e;
SELECT xml_is_well_formed_document(pg_tviews_explain('tv_user', 'xml')) AS xml_ok,
       pg_tviews_explain('tv_user', 'yaml') LIKE '- TVIEW: "explain.tv_user"%' AS yaml_ok;
SELECT * FROM caught($$SELECT pg_tviews_explain('tb_user')$$);
SELECT * FROM caught($$SELECT pg_tviews_explain('tv_post', 'html')$$);
SELECT pg_tviews_explain(NULL) IS NULL AS null_in_null_out;

-- pg_tviews_stats: a known workload on freshly reset counters.
SELECT pg_tviews_stats_reset('tv_post'), pg_tviews_stats_reset('tv_user'), pg_tviews_stats_reset('tv_comment');
SELECT relname, statements, kernel_runs, rows_patched FROM pg_tviews_stats WHERE schemaname = 'explain' ORDER BY relname;
UPDATE tb_user SET name = 'ann' WHERE pk_user = 1;          -- tv_post: 1 row (post 11 is a draft); tv_user: 1 + cascade
UPDATE tb_post SET title = title || '?' WHERE pk_post IN (10, 12, 13);  -- tv_post: 3; tv_comment: 2; tv_user: cascade
INSERT INTO tb_comment VALUES (104, 12, 'z');                -- tv_post: counter; tv_comment: insert
DELETE FROM tb_comment WHERE pk_comment = 101;               -- tv_post: counter; tv_comment: delete
SELECT relname, statements, kernel_runs, rows_patched, rows_recomputed, rows_inserted, rows_deleted,
       maintenance_ms > 0 AS timed, runs_interpreted, runs_compiled, compiles, compile_failures
  FROM pg_tviews_stats WHERE schemaname = 'explain' ORDER BY relname;
-- Another session sees the same counters, and its own work adds to them (compiled this time).
\c
SET search_path = explain, public;
SET pg_tviews.jit = on;
SET pg_tviews.jit_threshold = 0;
UPDATE tb_user SET email = 'ann@x' WHERE pk_user = 1;
SELECT relname, statements, kernel_runs, rows_patched, runs_interpreted, runs_compiled, compiles, compile_ms > 0 AS compile_timed
  FROM pg_tviews_stats WHERE schemaname = 'explain' ORDER BY relname;
SELECT pg_tviews_stats_reset('tv_comment');
SELECT relname, kernel_runs FROM pg_tviews_stats WHERE schemaname = 'explain' ORDER BY relname;
-- Resetting is for superusers unless granted.
CREATE ROLE regress_tviews_stats_reader;
SET ROLE regress_tviews_stats_reader;
SELECT count(*) >= 0 AS can_read FROM pg_tviews_stats;
SELECT code FROM caught($$SELECT pg_tviews_stats_reset()$$);
RESET ROLE;
DROP ROLE regress_tviews_stats_reader;
SELECT pg_tviews_verify('tv_post'), pg_tviews_verify('tv_comment'), pg_tviews_verify('tv_user');

-- EXPLAIN EXECUTE of a prepared write: PostgreSQL 18's per-plan EXPLAIN hook shows the
-- maintenance there too, with ANALYZE its figures; 15 and 17 have no such hook and show none.
PREPARE rename_user(int, text) AS UPDATE tb_user SET name = $2 WHERE pk_user = $1;
SELECT (count(*) FILTER (WHERE l = 'TVIEW Maintenance:') = 1) = (current_setting('server_version_num')::int >= 180000)
         AS section_iff_18,
       (count(*) FILTER (WHERE l ~ '^ +Kernel Runs: ') = 0) AS nothing_ran
  FROM explain_lines($$EXECUTE rename_user(1, 'plain')$$) l;
SELECT (count(*) FILTER (WHERE l = 'TVIEW Maintenance:') = 1) = (current_setting('server_version_num')::int >= 180000)
         AS section_iff_18,
       (count(*) FILTER (WHERE l ~ '^ +Rows Patched: [1-9]') > 0) = (current_setting('server_version_num')::int >= 180000)
         AS figures_iff_18
  FROM explain_lines($$EXECUTE rename_user(1, 'renamed')$$, ', ANALYZE, TIMING OFF, SUMMARY OFF') l;
DEALLOCATE rename_user;
SELECT data -> 'author' ->> 'name' AS author FROM tv_post WHERE fk_user = 1 ORDER BY pk_post LIMIT 1;
SELECT pg_tviews_verify('tv_post'), pg_tviews_verify('tv_comment'), pg_tviews_verify('tv_user');

RESET pg_tviews.jit;
RESET pg_tviews.jit_threshold;
RESET search_path;
DROP SCHEMA explain CASCADE;

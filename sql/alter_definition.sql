-- pg_tviews_alter(tview, query): a new defining query for an existing TVIEW, keeping its name,
-- OID, indexes, grants and the TVIEWs that read it. The new query must give the same columns and
-- key; the rows are rebuilt in the same transaction, the triggers follow the new sources.
CREATE SCHEMA alter_def;
SET search_path = alter_def, public;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_team (pk_team int PRIMARY KEY, label text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, fk_team int REFERENCES tb_team,
                      title text, published boolean DEFAULT true);
INSERT INTO tb_user VALUES (1, 'ann'), (2, 'bob');
INSERT INTO tb_team VALUES (1, 'red'), (2, 'blue');
INSERT INTO tb_post VALUES (10, 1, 1, 'a', true), (11, 1, 2, 'b', false), (12, 2, 1, 'c', true);
CREATE TABLE tv_post USING tview_am AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'by', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE INDEX tv_post_data_idx ON tv_post USING gin (data);
CREATE ROLE regress_tviews_reader;
GRANT USAGE ON SCHEMA alter_def TO regress_tviews_reader;
GRANT SELECT ON tv_post TO regress_tviews_reader;
CREATE TABLE tv_user USING tview_am AS
SELECT u.pk_user, (SELECT count(*) FROM tv_post tp WHERE tp.fk_user = u.pk_user) AS n FROM tb_user u;
SELECT 'tv_post'::regclass::oid AS oid_before \gset
-- triggers(): which tables carry the triggers maintaining tv_post.
CREATE FUNCTION triggers() RETURNS TABLE (source regclass, n bigint) LANGUAGE sql AS $$
    SELECT t.tgrelid::regclass, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE t.tgisinternal AND t.tgname LIKE 'tviews maintain tv_post on %'
       AND c.relnamespace = 'alter_def'::regnamespace GROUP BY 1 ORDER BY 1::text $$;
SELECT * FROM triggers();

-- The new definition: a filter, the team joined besides the user, another document; the same
-- columns (pk_post, fk_user, data) and key.
SELECT $q$
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', upper(p.title), 'by', u.name, 'team', t.label) AS data
  FROM alter_def.tb_post p JOIN alter_def.tb_user u ON u.pk_user = p.fk_user
  JOIN alter_def.tb_team t ON t.pk_team = p.fk_team
 WHERE p.published
$q$ AS q2 \gset
SELECT pg_tviews_alter('tv_post', :'q2');
SELECT * FROM tv_post ORDER BY pk_post;
SELECT oracle('alter_def.tv_post', :'q2') AS oracle, pg_tviews_verify('tv_post') AS verify,
       'tv_post'::regclass::oid = :oid_before AS same_table,
       (SELECT count(*) FROM pg_indexes WHERE tablename = 'tv_post' AND indexname = 'tv_post_data_idx') AS gin_kept,
       has_table_privilege('regress_tviews_reader', 'tv_post', 'SELECT') AS grant_kept;
SELECT * FROM triggers();
SELECT definition ~ 'tb_team' AS catalog_has_new_definition FROM pg_tviews_metadata WHERE tview = 'tv_post'::regclass;
-- Maintained by the new definition, and the TVIEW reading it follows.
UPDATE tb_team SET label = 'green' WHERE pk_team = 1;
UPDATE tb_post SET published = true WHERE pk_post = 11;
INSERT INTO tb_post VALUES (13, 2, 2, 'd', true);
SELECT oracle('alter_def.tv_post', :'q2') AS oracle,
       oracle('alter_def.tv_user', 'SELECT u.pk_user, (SELECT count(*) FROM alter_def.tv_post tp WHERE tp.fk_user = u.pk_user) AS n FROM alter_def.tb_user u') AS reader_oracle;

-- Refused, and nothing changes: other columns, another key, a shape that cannot be maintained,
-- not the owner, not a TVIEW, NULLs, garbage.
SELECT code, message, detail FROM caught($$SELECT pg_tviews_alter('alter_def.tv_post', 'SELECT p.pk_post, p.title FROM alter_def.tb_post p')$$);
SELECT code, message, detail FROM caught($$SELECT pg_tviews_alter('alter_def.tv_post', 'SELECT p.pk_post, p.fk_user, p.title AS data FROM alter_def.tb_post p')$$);
SELECT code, message, detail FROM caught($$SELECT pg_tviews_alter('alter_def.tv_post', 'SELECT p.fk_user AS pk_post, p.pk_post AS fk_user, to_jsonb(p.title) AS data FROM alter_def.tb_post p')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_alter('alter_def.tv_post', 'SELECT p.pk_post, p.fk_user, jsonb_build_object(''x'', 1) AS data FROM alter_def.tb_post p JOIN alter_def.tb_post q ON q.fk_user = p.fk_user')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_alter('alter_def.tb_post', 'SELECT 1')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_alter(NULL, 'SELECT 1')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_alter('alter_def.tv_post', 'garbage')$$);
SET ROLE regress_tviews_reader;
SELECT code FROM caught($$SELECT pg_tviews_alter('alter_def.tv_post', 'SELECT p.pk_post, p.fk_user, jsonb_build_object(''t'', p.title) AS data FROM alter_def.tb_post p')$$);
RESET ROLE;
SELECT oracle('alter_def.tv_post', :'q2') AS still_the_new_definition;

-- Back to one source table: the triggers on the others go away.
SELECT pg_tviews_alter('tv_post', 'SELECT p.pk_post, p.fk_user, jsonb_build_object(''t'', p.title) AS data FROM alter_def.tb_post p');
SELECT * FROM triggers();
UPDATE tb_user SET name = 'nobody reads this';
UPDATE tb_post SET title = 'z' WHERE pk_post = 10;
SELECT oracle('alter_def.tv_post', 'SELECT p.pk_post, p.fk_user, jsonb_build_object(''t'', p.title) AS data FROM alter_def.tb_post p') AS oracle;
-- In a transaction that rolls back, nothing of it stays.
BEGIN;
SELECT pg_tviews_alter('tv_post', :'q2');
ROLLBACK;
SELECT * FROM triggers();
SELECT pg_tviews_verify('tv_post') AS verify;

RESET search_path;
DROP SCHEMA alter_def CASCADE;
DROP ROLE regress_tviews_reader;

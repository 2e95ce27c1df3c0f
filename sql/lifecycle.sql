-- Lifecycle of a TVIEW: creation forms, refresh, the catalog, drops, ALTERs and renames, a
-- rolled-back CREATE, and DROP EXTENSION. Runs alone: it drops and re-creates the extension.
CREATE SCHEMA lifecycle;
SET search_path = lifecycle, public;

CREATE TABLE author (id int PRIMARY KEY, name text, email text, note text);
CREATE TABLE post (id int PRIMARY KEY, title text, author_id int, extra text, subtitle text);
INSERT INTO author VALUES (1, 'ann', 'a@x', 'n1'), (2, 'bob', 'b@x', 'n2');
INSERT INTO post VALUES (1, 'p1', 1, 'e1'), (2, 'p2', 2, 'e2'), (3, 'p3', 1, 'e3');

-- The triggers and catalog rows of the TVIEWs of this schema, for the checks below.
CREATE VIEW tview_triggers AS
SELECT tgrelid::regclass AS source, count(*) AS triggers
  FROM pg_trigger
 WHERE tgfoid = 'tviews.maintain'::regproc
   AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'lifecycle'::regnamespace)
 GROUP BY tgrelid;
CREATE VIEW tview_catalog AS
SELECT tview, populated, sources FROM tviews.tview
 WHERE tview::oid IN (SELECT oid FROM pg_class WHERE relnamespace = 'lifecycle'::regnamespace);

-- 1. pg_tviews_create creates and fills a TVIEW, like CREATE TABLE ... USING tview_am AS.
SELECT $q$
SELECT p.id, jsonb_build_object('title', p.title, 'author', a.name) AS data
  FROM post p JOIN author a ON a.id = p.author_id
$q$ AS q \gset
SELECT pg_tviews_create('tv_post', :'q');
SELECT a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'tv_post'::regclass;
SELECT oracle('tv_post', :'q');
UPDATE author SET name = 'ann 2' WHERE id = 1;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY id;
-- Schema-qualified name.
SELECT pg_tviews_create('lifecycle.tv_author', 'SELECT id, name FROM lifecycle.author');
SELECT oracle('tv_author', 'SELECT id, name FROM lifecycle.author');
-- The name is taken: the standard error. IF NOT EXISTS: the standard notice, nothing changes.
SELECT code, message FROM caught($$SELECT pg_tviews_create('tv_post', 'SELECT id FROM post')$$);
SELECT code, message FROM caught($$CREATE TABLE tv_post USING tview_am AS SELECT id FROM post$$);
CREATE TABLE IF NOT EXISTS tv_post USING tview_am AS SELECT id FROM post;
CREATE TABLE IF NOT EXISTS author USING tview_am AS SELECT id FROM post;
SELECT count(*) AS columns FROM pg_attribute WHERE attrelid = 'tv_post'::regclass AND attnum > 0;
SELECT oracle('tv_post', :'q');
-- IF NOT EXISTS with a new name creates it.
CREATE TABLE IF NOT EXISTS tv_post2 USING tview_am AS SELECT id, title FROM post;
SELECT oracle('tv_post2', 'SELECT id, title FROM post');

-- 2. The catalog and pg_tviews_metadata.
SELECT tview, owner, populated, sources, definition FROM pg_tviews_metadata
 WHERE tview IN ('tv_post'::regclass, 'tv_author'::regclass, 'tv_post2'::regclass) ORDER BY tview::text;
SELECT * FROM tview_triggers ORDER BY source::text;
SELECT tgname ~ '^pg_tviews' AS named_pg_tviews, tgenabled, tgisinternal,
       (tgtype & 1) = 0 AS per_statement, count(*)
  FROM pg_trigger WHERE tgrelid = 'post'::regclass AND tgfoid = 'tviews.maintain'::regproc
 GROUP BY 1, 2, 3, 4;

-- 3. WITH NO DATA: empty, not maintained (writes to its sources do not touch it) until
--    pg_tviews_refresh fills it; maintained from then on.
CREATE TABLE tv_nodata USING tview_am AS SELECT id, title FROM post WITH NO DATA;
SELECT count(*) FROM tv_nodata;
SELECT populated FROM pg_tviews_metadata WHERE tview = 'tv_nodata'::regclass;
INSERT INTO post VALUES (4, 'p4', 2, NULL, NULL);
UPDATE post SET title = 'p1 v2' WHERE id = 1;
SELECT count(*) FROM tv_nodata;
SELECT pg_tviews_refresh('tv_nodata');
SELECT populated FROM pg_tviews_metadata WHERE tview = 'tv_nodata'::regclass;
SELECT oracle('tv_nodata', 'SELECT id, title FROM post');
UPDATE post SET title = 'p2 v2' WHERE id = 2;
DELETE FROM post WHERE id = 3;
SELECT oracle('tv_nodata', 'SELECT id, title FROM post');
SELECT * FROM tv_nodata ORDER BY id;
SELECT oracle('tv_post', :'q'), oracle('tv_post2', 'SELECT id, title FROM post');
-- pg_tviews_verify on an unpopulated TVIEW: it is not expected to equal its query.
CREATE TABLE tv_nodata2 USING tview_am AS SELECT id, title FROM post WITH NO DATA;
SELECT * FROM caught($$SELECT pg_tviews_verify('tv_nodata2')$$);
SELECT pg_tviews_verify('tv_nodata2') AS differing_rows_while_unpopulated;
DROP TABLE tv_nodata2;

-- 4. pg_tviews_refresh of a consistent TVIEW changes nothing; of a broken one (rows removed and
--    altered in restore mode) repairs it.
SELECT pg_tviews_refresh('tv_post');
SELECT oracle('tv_post', :'q'), pg_tviews_verify('tv_post');
SET pg_tviews.restore_mode = on;
DELETE FROM tv_post WHERE id = 1;
UPDATE tv_post SET data = '{}' WHERE id = 2;
INSERT INTO tv_post VALUES (99, '{"stray": true}');
RESET pg_tviews.restore_mode;
SELECT pg_tviews_verify('tv_post') > 0 AS broken, oracle('tv_post', :'q');
SELECT pg_tviews_refresh('tv_post');
SELECT pg_tviews_verify('tv_post'), oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY id;
-- Refresh inside a transaction that is rolled back.
BEGIN;
SELECT pg_tviews_refresh('tv_post');
UPDATE author SET name = 'in tx' WHERE id = 2;
SELECT oracle('tv_post', :'q');
ROLLBACK;
SELECT oracle('tv_post', :'q');
-- pg_tviews_refresh and pg_tviews_verify of something that is not a TVIEW.
SELECT code, message FROM caught($$SELECT pg_tviews_refresh('author')$$);
SELECT code, message FROM caught($$SELECT pg_tviews_verify('author')$$);
SELECT pg_tviews_refresh(NULL), pg_tviews_verify(NULL);

-- 5. ALTERs of the sources: dropping or retyping a column a TVIEW reads is refused (2BP01)
--    unless CASCADE; other columns can be dropped or added, and maintenance goes on.
SELECT code, message FROM caught('ALTER TABLE author DROP COLUMN name');
SELECT code, message FROM caught('ALTER TABLE post DROP COLUMN author_id');
SELECT code, message FROM caught('ALTER TABLE post DROP COLUMN title');
SELECT * FROM caught('ALTER TABLE author ALTER COLUMN name TYPE varchar(10)');
SELECT code, message FROM caught('ALTER TABLE post ALTER COLUMN author_id TYPE bigint');
SELECT oracle('tv_post', :'q');
ALTER TABLE author DROP COLUMN email;
ALTER TABLE post DROP COLUMN extra;
ALTER TABLE author ADD COLUMN age int;
ALTER TABLE author ALTER COLUMN note TYPE varchar(20);
INSERT INTO author VALUES (3, 'cid', 'n3', 30);
INSERT INTO post VALUES (5, 'p5', 3, 's5');
UPDATE author SET name = 'bob 2', age = 40 WHERE id = 2;
SELECT oracle('tv_post', :'q'), oracle('tv_author', 'SELECT id, name FROM lifecycle.author');
SELECT * FROM tv_post ORDER BY id;
-- A column is dropped with CASCADE: the TVIEWs that read it go, the others stay.
CREATE TABLE tv_subtitle USING tview_am AS SELECT id, subtitle FROM post;
SELECT * FROM tview_triggers ORDER BY source::text;
SET client_min_messages = warning;
ALTER TABLE post DROP COLUMN subtitle CASCADE;
RESET client_min_messages;
SELECT to_regclass('tv_subtitle') AS tv_subtitle, to_regclass('tv_post2') AS tv_post2,
       to_regclass('tv_nodata') AS tv_nodata, to_regclass('tv_post') AS tv_post;
SELECT * FROM tview_catalog ORDER BY tview::text;
SELECT * FROM tview_triggers ORDER BY source::text;
UPDATE post SET title = title || '.';
SELECT oracle('tv_post', :'q'), oracle('tv_post2', 'SELECT id, title FROM post');

-- 6. Renames: of a source table, of a source column, of the TVIEW, of the schema. Maintenance
--    goes on; the catalog follows the new names.
ALTER TABLE author RENAME TO writer;
UPDATE writer SET name = 'ann 3' WHERE id = 1;
SELECT oracle('tv_post', replace(:'q', 'author a', 'writer a'));
ALTER TABLE writer RENAME COLUMN name TO full_name;
UPDATE writer SET full_name = 'ann 4' WHERE id = 1;
SELECT oracle('tv_post', replace(replace(:'q', 'author a', 'writer a'), 'a.name', 'a.full_name'));
ALTER TABLE post RENAME COLUMN author_id TO writer_id;
UPDATE post SET writer_id = 2 WHERE id = 1;
SELECT $q$
SELECT p.id, jsonb_build_object('title', p.title, 'author', a.full_name) AS data
  FROM post p JOIN writer a ON a.id = p.writer_id
$q$ AS q2 \gset
SELECT oracle('tv_post', :'q2');
ALTER TABLE tv_post RENAME TO tv_article;
UPDATE writer SET full_name = 'bob 3' WHERE id = 2;
SELECT oracle('tv_article', :'q2');
SELECT * FROM tv_article ORDER BY id;
SELECT tview, sources, definition FROM pg_tviews_metadata WHERE tview = 'tv_article'::regclass;
ALTER SCHEMA lifecycle RENAME TO lifecycle2;
SET search_path = lifecycle2, public;
INSERT INTO post (id, writer_id, title) VALUES (6, 1, 'p6');
SELECT oracle('tv_article', :'q2');
ALTER SCHEMA lifecycle2 RENAME TO lifecycle;
SET search_path = lifecycle, public;
-- A TVIEW moved to another schema.
CREATE SCHEMA lifecycle_other;
ALTER TABLE tv_article SET SCHEMA lifecycle_other;
UPDATE writer SET full_name = 'bob 4' WHERE id = 2;
SELECT oracle('lifecycle_other.tv_article', :'q2');
ALTER TABLE lifecycle_other.tv_article SET SCHEMA lifecycle;
DROP SCHEMA lifecycle_other;
-- The catalog's definition follows the renames, and verify and refresh still work.
SELECT definition FROM pg_tviews_metadata WHERE tview = 'tv_article'::regclass;
SELECT * FROM caught($$SELECT pg_tviews_verify('tv_article')$$);
SELECT * FROM caught($$SELECT pg_tviews_refresh('tv_article')$$);
SELECT oracle('tv_article', :'q2');

-- 7. DROP TABLE of a TVIEW removes its catalog row and its triggers on the sources (the other
--    TVIEWs' triggers stay).
SELECT * FROM tview_triggers ORDER BY source::text;
DROP TABLE tv_post2;
SELECT * FROM tview_catalog ORDER BY tview::text;
SELECT * FROM tview_triggers ORDER BY source::text;
DROP TABLE tv_nodata, tv_author;
SELECT * FROM tview_catalog ORDER BY tview::text;
SELECT * FROM tview_triggers ORDER BY source::text;
-- A dropped TVIEW inside a rolled-back transaction comes back, maintained.
BEGIN;
DROP TABLE tv_article;
ROLLBACK;
UPDATE writer SET full_name = 'ann 5' WHERE id = 1;
SELECT oracle('tv_article', :'q2');

-- 8. Dropping a source is refused (2BP01); CASCADE drops the TVIEW, its catalog row and the
--    triggers on the other sources.
SELECT * FROM caught('DROP TABLE writer');
SELECT code, message FROM caught('DROP TABLE post');
SELECT to_regclass('tv_article');
SET client_min_messages = warning;
DROP TABLE writer CASCADE;
RESET client_min_messages;
SELECT to_regclass('tv_article');
SELECT * FROM tview_catalog ORDER BY tview::text;
SELECT * FROM tview_triggers ORDER BY source::text;
INSERT INTO post (id, writer_id, title) VALUES (7, 1, 'p7');

-- 9. A rolled-back CREATE leaves nothing: no table, no catalog row, no trigger.
CREATE TABLE author (id int PRIMARY KEY, name text);
INSERT INTO author VALUES (1, 'ann');
ALTER TABLE post ADD COLUMN editor_id int;
BEGIN;
CREATE TABLE tv_gone USING tview_am AS SELECT p.id, a.name FROM post p JOIN author a ON a.id = p.editor_id;
SELECT * FROM tview_triggers ORDER BY source::text;
ROLLBACK;
SELECT to_regclass('tv_gone');
SELECT * FROM tview_catalog;
SELECT * FROM tview_triggers;
BEGIN;
SAVEPOINT s;
SELECT pg_tviews_create('tv_gone', 'SELECT id, name FROM author');
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT to_regclass('tv_gone');
SELECT * FROM tview_catalog;
SELECT * FROM tview_triggers;
-- ... and the indexes pg_tviews created for the rolled-back TVIEW went with it.
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'post'::regclass ORDER BY 1;

-- 10. DROP EXTENSION while TVIEWs exist: refused (the TVIEWs use its access method); with
--     CASCADE the TVIEWs are dropped and the sources are left without triggers, writable.
CREATE TABLE tv_last USING tview_am AS SELECT id, name FROM author;
DROP VIEW tview_catalog, tview_triggers;
SELECT code, message, detail FROM caught('DROP EXTENSION pg_tviews');
SELECT to_regclass('tv_last');
SET client_min_messages = warning;
DROP EXTENSION pg_tviews CASCADE;
RESET client_min_messages;
SELECT to_regclass('tv_last'), to_regnamespace('tviews');
SELECT count(*) AS leftover_triggers FROM pg_trigger
 WHERE tgrelid IN ('author'::regclass, 'post'::regclass);
INSERT INTO author VALUES (2, 'bob');
UPDATE author SET name = 'ann 2';
-- Re-created, it starts empty; later files need it.
CREATE EXTENSION pg_tviews SCHEMA public;
SELECT count(*) FROM tviews.tview;
CREATE TABLE tv_last USING tview_am AS SELECT id, name FROM author;
UPDATE author SET name = 'ann 3' WHERE id = 1;
SELECT oracle('tv_last', 'SELECT id, name FROM author');

SET client_min_messages = warning;
DROP SCHEMA lifecycle CASCADE;
RESET client_min_messages;
RESET search_path;

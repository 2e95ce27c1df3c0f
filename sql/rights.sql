-- Who maintains: maintenance runs with the TVIEW owner's rights and a safe search_path, whoever
-- writes the sources. Creating a TVIEW needs SELECT on its sources.
CREATE ROLE regress_tv_owner;
CREATE ROLE regress_tv_writer;
CREATE ROLE regress_tv_other;
CREATE SCHEMA rights AUTHORIZATION regress_tv_owner;
GRANT USAGE ON SCHEMA rights TO regress_tv_writer, regress_tv_other;
SET search_path = rights, public;

-- whoami(): who evaluates the select list. Declared IMMUTABLE (a lie, on purpose) so that the
-- TVIEW accepts it: its value shows which role maintenance runs as.
CREATE FUNCTION rights.whoami(int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RETURN current_user::text; END $$;
ALTER FUNCTION rights.whoami(int) OWNER TO regress_tv_owner;

SET ROLE regress_tv_owner;
-- The oracle of tv_post runs as its owner (whoami() then gives the owner's name, as it must).
CREATE FUNCTION rights.owner_oracle(q text) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = rights, public AS $$ BEGIN RETURN public.oracle('rights.tv_post', q); END $$;
CREATE TABLE author (id int PRIMARY KEY, name text, secret text);
CREATE TABLE post (id int PRIMARY KEY, title text, author_id int);
INSERT INTO author VALUES (1, 'ann', 's1'), (2, 'bob', 's2');
INSERT INTO post VALUES (1, 'p1', 1), (2, 'p2', 2);
SELECT $q$
SELECT p.id, upper(a.name) || '!' AS shout,
       jsonb_build_object('title', p.title, 'author', a.name, 'secret', a.secret) AS data,
       whoami(p.id) AS maintained_by
  FROM post p JOIN author a ON a.id = p.author_id
$q$ AS q \gset
CREATE TABLE tv_post USING tview_am AS :q;
SELECT * FROM tv_post ORDER BY id;
-- The writer may change the sources (and read them, for its WHERE clauses), but not read the
-- TVIEW; another role may read nothing.
GRANT SELECT, INSERT, UPDATE, DELETE ON post, author TO regress_tv_writer;
CREATE VIEW author_names AS SELECT id, name FROM author;
GRANT SELECT ON author_names TO regress_tv_other;
GRANT SELECT (id, name) ON author TO regress_tv_other;
RESET ROLE;

-- 1. The writer's changes maintain the TVIEW, with the owner's rights.
SET ROLE regress_tv_writer;
SELECT code, message FROM caught('SELECT * FROM rights.tv_post');
INSERT INTO post VALUES (3, 'p3', 1);
UPDATE author SET name = 'ann 2' WHERE id = 1;
UPDATE post SET author_id = 1 WHERE id = 2;
DELETE FROM post WHERE id = 1;
RESET ROLE;
SELECT owner_oracle(:'q') AS oracle;
SELECT * FROM tv_post ORDER BY id;
-- With only INSERT on the root (no SELECT anywhere), too.
SET ROLE regress_tv_owner;
REVOKE SELECT, UPDATE, DELETE ON post, author FROM regress_tv_writer;
RESET ROLE;
SET ROLE regress_tv_writer;
INSERT INTO post VALUES (4, 'p4', 2);
RESET ROLE;
SELECT owner_oracle(:'q') AS oracle;
SELECT * FROM tv_post WHERE id = 4;

-- 2. Creating a TVIEW needs SELECT on every source: on the table, on every column it reads.
CREATE SCHEMA rights_other AUTHORIZATION regress_tv_other;
SET ROLE regress_tv_other;
SELECT * FROM caught($$CREATE TABLE rights_other.tv1 USING tview_am AS SELECT p.id, a.name FROM rights.post p JOIN rights.author a ON a.id = p.author_id$$);
SELECT to_regclass('rights_other.tv1');
SELECT * FROM caught($$CREATE TABLE rights_other.tv2 USING tview_am AS SELECT id, name, secret FROM rights.author$$);
SELECT to_regclass('rights_other.tv2');
SELECT * FROM caught($$SELECT pg_tviews_create('rights_other.tv3', 'SELECT id, secret FROM rights.author')$$);
SELECT to_regclass('rights_other.tv3');
-- Reading only the granted columns is allowed; so is reading through a view it may read (the
-- view's owner's rights apply to the tables under it, as for any view).
SELECT * FROM caught($$CREATE TABLE rights_other.tv4 USING tview_am AS SELECT id, name FROM rights.author$$);
SELECT * FROM caught($$CREATE TABLE rights_other.tv5 USING tview_am AS SELECT id, name FROM rights.author_names$$);
SELECT to_regclass('rights_other.tv4'), to_regclass('rights_other.tv5');
RESET ROLE;
SELECT tview, owner FROM pg_tviews_metadata WHERE tview::text LIKE 'rights_other.%' ORDER BY 1;
-- The owner's writes maintain the other role's TVIEWs too, as that role.
SET ROLE regress_tv_owner;
UPDATE author SET name = 'bob 2' WHERE id = 2;
RESET ROLE;
SELECT oracle('rights_other.tv4', 'SELECT id, name FROM rights.author'),
       oracle('rights_other.tv5', 'SELECT id, name FROM rights.author_names'),
       owner_oracle(:'q');
-- If the TVIEW owner loses SELECT on a column it reads, maintenance with the owner's rights can
-- no longer read it (as REFRESH MATERIALIZED VIEW could not): the write fails rather than leave
-- the TVIEW stale, or copy a value its owner may no longer read.
REVOKE SELECT (name) ON rights.author FROM regress_tv_other;
SET ROLE regress_tv_owner;
SELECT code, message FROM caught($$UPDATE rights.author SET name = 'bob 3' WHERE id = 2$$);
RESET ROLE;
SELECT id, name FROM rights_other.tv4 ORDER BY id;
SELECT name FROM author WHERE id = 2;
SELECT oracle('rights_other.tv4', 'SELECT id, name FROM rights.author'), owner_oracle(:'q');
DROP SCHEMA rights_other CASCADE;

-- 3. A hostile search_path at write time: a schema earlier in the path shadows upper() and ||
--    (for text). Maintenance resolves nothing by name at write time: the results do not change,
--    and the shadowing functions are never called.
CREATE SCHEMA rights_evil;
CREATE TABLE rights_evil.calls (fn text);
GRANT ALL ON SCHEMA rights_evil TO PUBLIC;
GRANT ALL ON rights_evil.calls TO PUBLIC;
CREATE FUNCTION rights_evil.upper(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN INSERT INTO rights_evil.calls VALUES ('upper'); RETURN 'HACKED'; END $$;
CREATE FUNCTION rights_evil.cat(text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN INSERT INTO rights_evil.calls VALUES ('||'); RETURN 'HACKED'; END $$;
CREATE OPERATOR rights_evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = rights_evil.cat);
-- (the shadowing works for ordinary queries under that path)
SET search_path = rights_evil, pg_catalog, rights, public;
SELECT upper('x') AS shadowed_upper, 'a' || 'b' AS shadowed_concat;
DELETE FROM rights_evil.calls;
-- Writes under that path, by the owner and by the writer.
SET ROLE regress_tv_owner;
UPDATE author SET name = 'ann 3' WHERE id = 1;
INSERT INTO post VALUES (5, 'p5', 1);
RESET ROLE;
GRANT SELECT, UPDATE ON rights.author TO regress_tv_writer;
SET ROLE regress_tv_writer;
UPDATE rights.author SET name = 'ann 4' WHERE id = 1;
RESET ROLE;
SET search_path = rights, public;
SELECT count(*) AS shadow_calls FROM rights_evil.calls;
SELECT owner_oracle(:'q') AS oracle;
SELECT id, shout, maintained_by FROM tv_post ORDER BY id;
-- The same with pg_temp first (a temporary function of the writer's session).
CREATE FUNCTION pg_temp.upper(text) RETURNS text LANGUAGE sql AS $$ SELECT 'TEMP-HACKED' $$;
SET search_path = pg_temp, pg_catalog, rights, public;
UPDATE author SET name = 'ann 5' WHERE id = 1;
SET search_path = rights, public;
SELECT owner_oracle(:'q') AS oracle;
SELECT id, shout FROM tv_post ORDER BY id;

SET client_min_messages = warning;
-- Row-level security on a source. Maintenance reads the sources without policies, so a TVIEW may
-- only be created by a role the policies do not apply to (here the table's owner, without FORCE);
-- every row is then in the TVIEW, and a writer the policies restrict still gets it maintained.
SET ROLE regress_tv_owner;
CREATE TABLE rights.rls_note (id int PRIMARY KEY, author text NOT NULL, body text);
GRANT SELECT, INSERT, UPDATE ON rights.rls_note TO regress_tv_writer, regress_tv_other;
INSERT INTO rights.rls_note VALUES (1, 'regress_tv_writer', 'w'), (2, 'regress_tv_other', 'o');
ALTER TABLE rights.rls_note ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_notes ON rights.rls_note USING (author = current_user) WITH CHECK (author = current_user);
CREATE TABLE rights.tv_rls_note USING tview_am AS SELECT n.id, n.author, n.body FROM rights.rls_note n;
SELECT count(*) AS all_rows FROM rights.tv_rls_note;
RESET ROLE;
SET ROLE regress_tv_writer;
SELECT count(*) AS writer_sees FROM rights.rls_note;
UPDATE rights.rls_note SET body = 'w2';                 -- only its own row
INSERT INTO rights.rls_note VALUES (3, 'regress_tv_writer', 'w3');
RESET ROLE;
SELECT id, author, body FROM rights.tv_rls_note ORDER BY id;
SELECT pg_tviews_verify('rights.tv_rls_note') AS verify;
-- A creator the policies apply to is refused.
SET ROLE regress_tv_owner;
ALTER TABLE rights.rls_note FORCE ROW LEVEL SECURITY;
SELECT code, message, hint FROM caught('CREATE TABLE rights.tv_rls_forced USING tview_am AS SELECT n.id, n.body FROM rights.rls_note n');
RESET ROLE;
SET ROLE regress_tv_other;
SELECT code FROM caught('CREATE TABLE rights.tv_rls_other USING tview_am AS SELECT n.id FROM rights.rls_note n');
RESET ROLE;

DROP SCHEMA rights_evil CASCADE;
DROP SCHEMA rights CASCADE;
RESET client_min_messages;
RESET search_path;
DROP ROLE regress_tv_owner, regress_tv_writer, regress_tv_other;

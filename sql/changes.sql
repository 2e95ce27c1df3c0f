-- Every kind of source change: multi-row statements, TRUNCATE, COPY, ON CONFLICT, FK cascades,
-- writable CTEs, other triggers, savepoints, rollbacks, two-phase commit, and updates of columns
-- no TVIEW reads.
CREATE SCHEMA changes;
SET search_path = changes, public;

CREATE TABLE author (id int PRIMARY KEY, name text, bio text);
CREATE TABLE tag (id int PRIMARY KEY, label text);            -- no FK points here
CREATE TABLE post (id int PRIMARY KEY, title text, body text,
                   author_id int NOT NULL REFERENCES author ON DELETE CASCADE ON UPDATE CASCADE,
                   editor_id int REFERENCES author ON DELETE SET NULL ON UPDATE CASCADE,
                   tag_id int);
INSERT INTO author VALUES (1, 'ann', 'bio a'), (2, 'bob', 'bio b'), (3, 'cid', 'bio c');
INSERT INTO tag VALUES (10, 'red'), (20, 'blue');
INSERT INTO post VALUES (1, 'p1', 'b1', 1, 2, 10), (2, 'p2', 'b2', 1, NULL, 20),
                        (3, 'p3', 'b3', 2, 1, NULL), (4, 'p4', 'b4', 3, 3, 10);

SELECT $q$
SELECT p.id, p.title,
       jsonb_build_object('author', a.name, 'editor', e.name, 'tag', t.label) AS data
  FROM post p
  JOIN author a ON a.id = p.author_id
  LEFT JOIN author e ON e.id = p.editor_id
  LEFT JOIN tag t ON t.id = p.tag_id
$q$ AS q \gset
CREATE TABLE tv_post USING tview_am AS :q;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY id;

-- Multi-row statements: several rows of the root, several partners, rows touched twice by
-- one statement's effects.
INSERT INTO post SELECT g, 'gen ' || g, NULL, 1 + g % 3, 1 + (g + 1) % 3, 10 FROM generate_series(5, 12) g;
SELECT oracle('tv_post', :'q');
UPDATE author SET name = name || '*';
SELECT oracle('tv_post', :'q');
UPDATE post SET author_id = editor_id, editor_id = author_id WHERE editor_id IS NOT NULL;
SELECT oracle('tv_post', :'q');
DELETE FROM post WHERE id > 8;
SELECT oracle('tv_post', :'q');
UPDATE post p SET title = a.name || '/' || p.title FROM author a WHERE a.id = p.author_id;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY id;

-- COPY FROM STDIN into the root and into a partner.
COPY post (id, title, author_id, editor_id, tag_id) FROM STDIN;
20	copied	2	\N	30
21	copied too	3	1	10
\.
SELECT oracle('tv_post', :'q');
COPY tag FROM STDIN (FORMAT csv);
30,green
40,black
\.
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post WHERE id >= 20 ORDER BY id;

-- INSERT ... ON CONFLICT: DO NOTHING (no change), DO UPDATE on the root and on a partner, a
-- mix of inserted and updated rows in one statement.
INSERT INTO post VALUES (1, 'dup', NULL, 1, NULL, NULL) ON CONFLICT DO NOTHING;
SELECT oracle('tv_post', :'q');
INSERT INTO post VALUES (1, 'upserted', NULL, 2, NULL, 40), (30, 'new', NULL, 2, 2, 40)
    ON CONFLICT (id) DO UPDATE SET title = excluded.title, author_id = excluded.author_id,
                                   tag_id = excluded.tag_id;
SELECT oracle('tv_post', :'q');
INSERT INTO author VALUES (2, 'bob (upsert)', NULL), (4, 'dan', NULL)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name;
SELECT oracle('tv_post', :'q');
INSERT INTO tag VALUES (10, 'not red') ON CONFLICT (id) DO UPDATE SET label = excluded.label
    WHERE tag.label <> 'red';
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post WHERE id IN (1, 30) OR data->>'tag' = 'red' ORDER BY id;

-- FK cascades: ON UPDATE CASCADE re-points the posts of a re-keyed author; ON DELETE SET NULL
-- clears the editor; ON DELETE CASCADE deletes the posts.
UPDATE author SET id = 5 WHERE id = 2;
SELECT oracle('tv_post', :'q');
SELECT id, data FROM tv_post WHERE id IN (1, 3, 20, 30) ORDER BY id;
DELETE FROM author WHERE id = 3;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY id;
UPDATE post SET editor_id = 4 WHERE id IN (1, 2);
DELETE FROM author WHERE id = 4;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post WHERE id IN (1, 2) ORDER BY id;

-- A writable CTE that changes two sources in one statement.
WITH a AS (INSERT INTO author VALUES (6, 'eve', NULL) RETURNING id),
     p AS (INSERT INTO post (id, title, author_id) SELECT 40, 'cte', id FROM a RETURNING id),
     u AS (UPDATE tag SET label = upper(label) RETURNING id)
SELECT (SELECT count(*) FROM p) AS posts, (SELECT count(*) FROM u) AS tags;
SELECT oracle('tv_post', :'q');
WITH d AS (DELETE FROM post WHERE id = 40 RETURNING author_id)
UPDATE author SET name = 'eve 2' WHERE id IN (SELECT author_id FROM d);
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY id;

-- Changes made by another trigger on a source: a user trigger on tag renames the authors of
-- the posts with that tag; a BEFORE trigger rewrites the title being written.
CREATE FUNCTION tag_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE author a SET name = a.name || ' #' || NEW.label
      FROM post p WHERE p.tag_id = NEW.id AND a.id = p.author_id;
    RETURN NULL;
END $$;
CREATE TRIGGER tag_touch AFTER UPDATE ON tag FOR EACH ROW EXECUTE FUNCTION tag_touch();
CREATE FUNCTION title_fix() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.title := 'T:' || NEW.title;
    RETURN NEW;
END $$;
CREATE TRIGGER title_fix BEFORE INSERT OR UPDATE OF title ON post FOR EACH ROW EXECUTE FUNCTION title_fix();
UPDATE tag SET label = 'green!' WHERE id = 30;
SELECT oracle('tv_post', :'q');
UPDATE post SET title = 'retitled' WHERE id = 3;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post WHERE id IN (3, 20) ORDER BY id;
DROP TRIGGER tag_touch ON tag;
DROP TRIGGER title_fix ON post;

-- Savepoints: ROLLBACK TO SAVEPOINT undoes the TVIEW changes made after it, and keeps the ones
-- made before it.
BEGIN;
UPDATE author SET name = 'kept' WHERE id = 1;
SAVEPOINT s1;
UPDATE author SET name = 'undone' WHERE id = 1;
DELETE FROM post WHERE id = 2;
INSERT INTO post (id, title, author_id) VALUES (50, 'undone', 1);
SELECT oracle('tv_post', :'q');
SELECT id, data->>'author' AS author FROM tv_post WHERE id IN (1, 2, 50) ORDER BY id;
ROLLBACK TO SAVEPOINT s1;
SELECT oracle('tv_post', :'q');
SELECT id, data->>'author' AS author FROM tv_post WHERE id IN (1, 2, 50) ORDER BY id;
SAVEPOINT s2;
-- An error inside the savepoint: the statement and its maintenance are undone together.
INSERT INTO post (id, title, author_id) VALUES (51, 'fails', 999);
ROLLBACK TO SAVEPOINT s2;
SELECT oracle('tv_post', :'q');
COMMIT;
SELECT oracle('tv_post', :'q');
SELECT id, data->>'author' AS author FROM tv_post WHERE id IN (1, 2, 50) ORDER BY id;

-- A rolled-back transaction leaves the TVIEW as it was.
CREATE TABLE before_rb AS SELECT * FROM tv_post;
BEGIN;
UPDATE author SET name = 'rolled back';
DELETE FROM tag;
INSERT INTO post (id, title, author_id) VALUES (60, 'rolled back', 1);
SELECT oracle('tv_post', :'q');
ROLLBACK;
SELECT oracle('tv_post', :'q');
SELECT count(*) AS differences FROM ((TABLE tv_post EXCEPT ALL TABLE before_rb)
                                     UNION ALL (TABLE before_rb EXCEPT ALL TABLE tv_post)) d;

-- Two-phase commit: COMMIT PREPARED applies the TVIEW changes, ROLLBACK PREPARED drops them.
BEGIN;
UPDATE author SET name = 'prepared' WHERE id = 1;
INSERT INTO post (id, title, author_id) VALUES (70, 'prepared', 5);
SELECT oracle('tv_post', :'q');
PREPARE TRANSACTION 'changes_commit';
SELECT oracle('tv_post', :'q');
SELECT id, data->>'author' AS author FROM tv_post WHERE id IN (1, 70) ORDER BY id;
COMMIT PREPARED 'changes_commit';
SELECT oracle('tv_post', :'q');
SELECT id, data->>'author' AS author FROM tv_post WHERE id IN (1, 70) ORDER BY id;
BEGIN;
UPDATE author SET name = 'never' WHERE id = 1;
DELETE FROM post WHERE id = 70;
PREPARE TRANSACTION 'changes_rollback';
ROLLBACK PREPARED 'changes_rollback';
SELECT oracle('tv_post', :'q');
SELECT id, data->>'author' AS author FROM tv_post WHERE id IN (1, 70) ORDER BY id;

-- Updates of columns no TVIEW reads (post.body, author.bio) write nothing to the TVIEW: the
-- rows keep their ctid and xmin.
CREATE TABLE before_ctid AS SELECT id, ctid::text AS tid, xmin::text AS txmin FROM tv_post;
UPDATE post SET body = 'new body';
UPDATE author SET bio = 'new bio';
SELECT oracle('tv_post', :'q');
SELECT count(*) AS rows, count(*) FILTER (WHERE t.ctid::text = b.tid AND t.xmin::text = b.txmin) AS untouched
  FROM tv_post t JOIN before_ctid b USING (id);
-- An update that sets a read column to the value it already has: allowed to rewrite or not,
-- but the contents stay equal.
UPDATE author SET name = name;
SELECT oracle('tv_post', :'q');

-- TRUNCATE of a partner without FKs (the LEFT-joined tag), of the root, and of a referenced
-- table with CASCADE (author, which empties post too).
TRUNCATE tag;
SELECT oracle('tv_post', :'q');
SELECT id, data->>'tag' AS tag FROM tv_post ORDER BY id;
INSERT INTO tag VALUES (10, 'red again');
SELECT oracle('tv_post', :'q');
TRUNCATE post;
SELECT oracle('tv_post', :'q'), count(*) FROM tv_post;
INSERT INTO post VALUES (1, 'back', NULL, 1, 5, 10), (2, 'back', NULL, 5, NULL, NULL);
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY id;
SELECT code, message FROM caught('TRUNCATE author');
TRUNCATE author CASCADE;
SELECT oracle('tv_post', :'q'), count(*) FROM tv_post;
INSERT INTO author VALUES (1, 'ann', NULL);
INSERT INTO post VALUES (1, 'again', NULL, 1, 1, 10);
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY id;
-- TRUNCATE inside a transaction that is rolled back.
BEGIN;
TRUNCATE post;
SELECT count(*) FROM tv_post;
ROLLBACK;
SELECT oracle('tv_post', :'q'), count(*) FROM tv_post;

SET client_min_messages = warning;
DROP SCHEMA changes CASCADE;
RESET client_min_messages;
RESET search_path;

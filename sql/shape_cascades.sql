-- Shape 5 with TVIEWs as sources (cascades): a change reaching a TVIEW is handed to the TVIEWs
-- that read it within the same statement, in dependency order; the oracle holds along the whole
-- chain after every statement.
CREATE SCHEMA cascades;
SET search_path = cascades, public;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int NOT NULL REFERENCES tb_post ON DELETE CASCADE,
                         body text NOT NULL);
INSERT INTO tb_user VALUES (1, 'ann'), (2, 'bob');
INSERT INTO tb_post VALUES (1, 1, 'p1'), (2, 1, 'p2'), (3, 2, 'p3');
INSERT INTO tb_comment VALUES (1, 1, 'c1'), (2, 1, 'c2'), (3, 3, 'c3');

-- Level 1: posts with their author and comments.
SELECT $q$
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title, 'author', u.name,
                          'comments', COALESCE((SELECT jsonb_agg(c.body ORDER BY c.pk_comment)
                                                  FROM tb_comment c WHERE c.fk_post = p.pk_post), '[]')) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
$q$ AS q1 \gset
CREATE TABLE tv_post USING tview_am AS :q1;
-- Level 2: users with the documents of their posts (a child aggregate over a TVIEW).
SELECT $q$
SELECT u.pk_user,
       jsonb_build_object('name', u.name,
                          'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post)
                                               FROM tv_post tp WHERE tp.fk_user = u.pk_user), '[]')) AS data
  FROM tb_user u
$q$ AS q2 \gset
CREATE TABLE tv_user USING tview_am AS :q2;
-- Level 3: a feed joining both TVIEWs.
SELECT $q$
SELECT tp.pk_post, tp.data->>'title' AS title, tu.data->>'name' AS author,
       jsonb_array_length(tu.data->'posts') AS author_posts
  FROM tv_post tp JOIN tv_user tu ON tu.pk_user = tp.fk_user
$q$ AS q3 \gset
CREATE TABLE tv_feed USING tview_am AS :q3;

CREATE FUNCTION cascades.check_all() RETURNS TABLE (post bigint, "user" bigint, feed bigint)
LANGUAGE sql AS $f$
    SELECT oracle('cascades.tv_post', $$SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name, 'comments', COALESCE((SELECT jsonb_agg(c.body ORDER BY c.pk_comment) FROM cascades.tb_comment c WHERE c.fk_post = p.pk_post), '[]')) AS data FROM cascades.tb_post p JOIN cascades.tb_user u ON u.pk_user = p.fk_user$$),
           oracle('cascades.tv_user', $$SELECT u.pk_user, jsonb_build_object('name', u.name, 'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post) FROM cascades.tv_post tp WHERE tp.fk_user = u.pk_user), '[]')) AS data FROM cascades.tb_user u$$),
           oracle('cascades.tv_feed', $$SELECT tp.pk_post, tp.data->>'title' AS title, tu.data->>'name' AS author, jsonb_array_length(tu.data->'posts') AS author_posts FROM cascades.tv_post tp JOIN cascades.tv_user tu ON tu.pk_user = tp.fk_user$$)
$f$;
SELECT * FROM check_all();
SELECT * FROM tv_feed ORDER BY pk_post;

-- A rename reaches all three levels in one statement.
UPDATE tb_user SET name = 'Ann' WHERE pk_user = 1;
SELECT * FROM check_all();
SELECT * FROM tv_feed ORDER BY pk_post;
-- A comment: level 1 patches an array, level 2 the nested document, level 3 nothing visible.
INSERT INTO tb_comment VALUES (4, 2, 'c4');
SELECT * FROM check_all();
SELECT data FROM tv_user WHERE pk_user = 1;
-- A post moves to the other user: rows move between parents at level 2, counts change at 3.
UPDATE tb_post SET fk_user = 2 WHERE pk_post = 2;
SELECT * FROM check_all();
SELECT * FROM tv_feed ORDER BY pk_post;
-- A new post and a deleted post (with its comments, by cascade).
INSERT INTO tb_post VALUES (4, 1, 'p4');
DELETE FROM tb_post WHERE pk_post = 1;
SELECT * FROM check_all();
SELECT * FROM tv_feed ORDER BY pk_post;
-- Read your writes inside a transaction, and a rollback.
BEGIN;
UPDATE tb_post SET title = title || '!';
SELECT * FROM check_all();
ROLLBACK;
SELECT * FROM check_all();
-- TRUNCATE of a source rebuilds level 1, which reaches levels 2 and 3.
TRUNCATE tb_comment;
SELECT * FROM check_all();
-- A TVIEW read by others cannot be dropped without CASCADE.
SELECT code, message FROM caught('DROP TABLE cascades.tv_post');
DROP TABLE tv_post CASCADE;
SELECT count(*) AS tviews_left FROM tviews.tview WHERE tview::text LIKE 'cascades.%' OR tview::text LIKE 'tv_user' OR tview::text LIKE 'tv_feed';
RESET search_path;
DROP SCHEMA cascades CASCADE;

-- Shape 4: to-many aggregates as correlated scalar subqueries of the select list. jsonb_agg
-- (ORDER BY) wrapped in COALESCE(..., '[]'), count, sum (filtered), avg, min, max, bool_and,
-- bool_or, array_agg, string_agg; to-one joins (inner and LEFT) inside the subquery; a
-- subquery correlated to a joined relation rather than the root; nesting two levels (a user's
-- posts, each with its comments). After every change all TVIEWs must equal their definitions
-- (oracles() = 0 0 0), and the affected TVIEW rows are shown.
CREATE SCHEMA shape_children;
SET search_path = shape_children, public;

-- Users, their posts (FK, ON DELETE CASCADE), comments on posts (FK to the post, ON DELETE
-- CASCADE ON UPDATE CASCADE) written by users (fk_author, no FK: authors may disappear).
CREATE TABLE tb_user    (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_post    (pk_post int PRIMARY KEY, title text,
                         fk_user int REFERENCES tb_user ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY,
                         fk_post int NOT NULL REFERENCES tb_post ON DELETE CASCADE ON UPDATE CASCADE,
                         fk_author int, body text, rank int, score int);
-- Products, orders and their lines (no FKs: lines may point at missing orders and products).
CREATE TABLE tb_product    (pk_product int PRIMARY KEY, name text, price numeric);
CREATE TABLE tb_order      (pk_order int PRIMARY KEY, customer text);
CREATE TABLE tb_order_line (pk_line int PRIMARY KEY, fk_order int, fk_product int, qty int,
                            gift boolean, note text);

INSERT INTO tb_user VALUES (1, 'ann'), (2, 'bob'), (3, 'cid');
INSERT INTO tb_post VALUES (10, 'alpha', 1), (11, 'beta', 1), (12, 'gamma', 2), (13, 'delta', 3);
-- Comments 101 and 102 tie on rank: tv_post breaks the tie by the unique key.
INSERT INTO tb_comment VALUES
    (100, 10, 2, 'nice',   1, 5),
    (101, 10, 3, 'meh',    2, -1),
    (102, 10, 1, 'thanks', 2, NULL),
    (103, 11, 2, 'first',  1, 3),
    (104, 12, 1, 'hello',  1, 2);
INSERT INTO tb_product VALUES (1, 'apple', 0.50), (2, 'bread', 2.20), (3, 'cheese', 7.00);
INSERT INTO tb_order VALUES (1, 'acme'), (2, 'globex'), (3, 'initech');
INSERT INTO tb_order_line VALUES
    (1, 1, 1, 4, true,  'ripe'),
    (2, 1, 2, 1, false, NULL),
    (3, 1, 3, 2, NULL,  'aged'),
    (4, 2, 3, 1, true,  NULL);

-- tv_post: the comments (with their author, a to-one join inside the subquery), ordered by rank
-- with ties broken by the unique key; their count; a filtered sum; and a subquery correlated to
-- the joined author rather than the root (how many comments the post's author wrote anywhere).
SELECT $q$
SELECT p.pk_post, p.title, u.name AS author,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('id', c.pk_comment, 'body', c.body, 'by', cu.name)
                                  ORDER BY c.rank, c.pk_comment)
                   FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_author
                  WHERE c.fk_post = p.pk_post), '[]') AS comments,
       (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS n_comments,
       (SELECT sum(c.score) FROM tb_comment c WHERE c.fk_post = p.pk_post AND c.score > 0) AS positive_score,
       (SELECT count(*) FROM tb_comment c WHERE c.fk_author = u.pk_user) AS author_comments
  FROM tb_post p
  LEFT JOIN tb_user u ON u.pk_user = p.fk_user
$q$ AS qp \gset
-- tv_user: nested two levels. The user's posts ordered by title (secondary key: the post key),
-- each with its comments ordered by rank descending, then body (secondary key), then the key.
SELECT $q$
SELECT u.pk_user, u.name,
       COALESCE((SELECT jsonb_agg(jsonb_build_object(
                            'id', p.pk_post, 'title', p.title,
                            'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', c.body, 'by', cu.name)
                                                                   ORDER BY c.rank DESC, c.body, c.pk_comment)
                                                    FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_author
                                                   WHERE c.fk_post = p.pk_post), '[]'))
                            ORDER BY p.title, p.pk_post)
                   FROM tb_post p WHERE p.fk_user = u.pk_user), '[]') AS posts
  FROM tb_user u
$q$ AS qu \gset
-- tv_order: the lines with their product name and line total (qty * price), ordered by product
-- name then line key; and every other aggregate, over the lines alone or joined to products
-- (inner and LEFT join).
SELECT $q$
SELECT o.pk_order, o.customer,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('line', l.pk_line, 'product', pr.name, 'qty', l.qty,
                                                     'total', l.qty * pr.price)
                                  ORDER BY pr.name, l.pk_line)
                   FROM tb_order_line l JOIN tb_product pr ON pr.pk_product = l.fk_product
                  WHERE l.fk_order = o.pk_order), '[]') AS lines,
       (SELECT sum(l.qty * pr.price) FROM tb_order_line l JOIN tb_product pr ON pr.pk_product = l.fk_product
         WHERE l.fk_order = o.pk_order) AS total,
       (SELECT avg(l.qty) FROM tb_order_line l WHERE l.fk_order = o.pk_order) AS avg_qty,
       (SELECT min(pr.price) FROM tb_order_line l JOIN tb_product pr ON pr.pk_product = l.fk_product
         WHERE l.fk_order = o.pk_order) AS min_price,
       (SELECT max(l.qty) FROM tb_order_line l WHERE l.fk_order = o.pk_order) AS max_qty,
       (SELECT bool_and(l.gift) FROM tb_order_line l WHERE l.fk_order = o.pk_order) AS all_gifts,
       (SELECT bool_or(l.gift) FROM tb_order_line l WHERE l.fk_order = o.pk_order) AS any_gift,
       (SELECT array_agg(l.fk_product ORDER BY l.fk_product, l.pk_line) FROM tb_order_line l
         WHERE l.fk_order = o.pk_order) AS product_ids,
       (SELECT string_agg(COALESCE(pr.name, '?'), ', ' ORDER BY pr.name, l.pk_line)
          FROM tb_order_line l LEFT JOIN tb_product pr ON pr.pk_product = l.fk_product
         WHERE l.fk_order = o.pk_order) AS product_names,
       (SELECT count(l.note) FROM tb_order_line l WHERE l.fk_order = o.pk_order) AS n_notes
  FROM tb_order o
$q$ AS qo \gset

CREATE TABLE tv_post USING tview_am AS :qp;
CREATE TABLE tv_user USING tview_am AS :qu;
CREATE TABLE tv_order USING tview_am AS :qo;

-- oracles(): the oracle of each TVIEW, with this file's copy of its definition.
SELECT format($f$CREATE FUNCTION oracles(OUT tv_post bigint, OUT tv_user bigint, OUT tv_order bigint)
LANGUAGE sql AS $b$ SELECT oracle('tv_post', %L), oracle('tv_user', %L), oracle('tv_order', %L) $b$$f$,
              :'qp', :'qu', :'qo') \gexec
SELECT * FROM oracles();
SELECT pg_tviews_verify('tv_post'), pg_tviews_verify('tv_user'), pg_tviews_verify('tv_order');
SELECT * FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;
SELECT * FROM tv_order ORDER BY pk_order;

----------------------------------------------------------------------------------------------
-- Comments
----------------------------------------------------------------------------------------------
-- The first child of a post: '[]' becomes a one-element array, count 0 -> 1.
INSERT INTO tb_comment VALUES (105, 13, 1, 'welcome', 1, 4);
SELECT * FROM oracles();
SELECT * FROM tv_post WHERE pk_post = 13;
SELECT * FROM tv_user WHERE pk_user = 3;

-- A tie on rank with 101 and 102 (rank 2): tv_post places it after them (unique key), tv_user
-- between them (body, then key).
INSERT INTO tb_comment VALUES (106, 10, 2, 'ok', 2, 1);
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post = 10;
SELECT * FROM tv_user WHERE pk_user = 1;
-- Ties on rank and body: tv_user falls back to the unique key.
INSERT INTO tb_comment VALUES (107, 10, 3, 'ok', 2, NULL);
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post = 10;
SELECT posts -> 0 -> 'comments' AS alpha_comments FROM tv_user WHERE pk_user = 1;

-- Update of an aggregated value, of an ORDER BY column (the element moves), of a filtered
-- column (enters and leaves the filtered sum), and an update that changes nothing.
UPDATE tb_comment SET body = 'very nice' WHERE pk_comment = 100;
SELECT * FROM oracles();
SELECT pk_post, comments FROM tv_post WHERE pk_post = 10;
UPDATE tb_comment SET rank = 0 WHERE pk_comment = 102;
SELECT * FROM oracles();
SELECT pk_post, comments FROM tv_post WHERE pk_post = 10;
SELECT posts -> 0 -> 'comments' AS alpha_comments FROM tv_user WHERE pk_user = 1;
UPDATE tb_comment SET rank = 9 WHERE pk_comment = 102;
SELECT * FROM oracles();
SELECT pk_post, comments FROM tv_post WHERE pk_post = 10;
SELECT posts -> 0 -> 'comments' AS alpha_comments FROM tv_user WHERE pk_user = 1;
UPDATE tb_comment SET score = 10 WHERE pk_comment = 101;
SELECT * FROM oracles();
SELECT pk_post, positive_score FROM tv_post WHERE pk_post = 10;
UPDATE tb_comment SET score = -10 WHERE pk_comment = 100;
SELECT * FROM oracles();
SELECT pk_post, positive_score FROM tv_post WHERE pk_post = 10;
UPDATE tb_comment SET body = body;
SELECT * FROM oracles();

-- NULL values in the aggregated columns: a NULL body (a JSON null in the element), NULL scores
-- (ignored by sum: only NULLs left gives NULL), a NULL rank (last in tv_post, first in tv_user's
-- descending order).
UPDATE tb_comment SET body = NULL WHERE pk_comment = 106;
SELECT * FROM oracles();
SELECT pk_post, comments FROM tv_post WHERE pk_post = 10;
UPDATE tb_comment SET score = NULL WHERE fk_post = 10;
SELECT * FROM oracles();
SELECT pk_post, n_comments, positive_score FROM tv_post WHERE pk_post = 10;
UPDATE tb_comment SET rank = NULL WHERE pk_comment = 100;
SELECT * FROM oracles();
SELECT pk_post, comments FROM tv_post WHERE pk_post = 10;
SELECT posts -> 0 -> 'comments' AS alpha_comments FROM tv_user WHERE pk_user = 1;
UPDATE tb_comment SET rank = 1, score = 5 WHERE pk_comment = 100;
SELECT * FROM oracles();

-- The comment's author: re-pointed (a join key inside the subquery), missing (the inner join
-- drops the element but count(*) still counts the comment), renamed (reaches every element
-- showing it, in both TVIEWs, and the tv_user root row itself).
UPDATE tb_comment SET fk_author = 3 WHERE pk_comment = 104;
SELECT * FROM oracles();
SELECT pk_post, comments, author_comments FROM tv_post ORDER BY pk_post;
UPDATE tb_comment SET fk_author = 99 WHERE pk_comment = 104;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments FROM tv_post WHERE pk_post = 12;
INSERT INTO tb_user VALUES (99, 'zed');
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments FROM tv_post WHERE pk_post = 12;
SELECT * FROM tv_user WHERE pk_user IN (2, 99) ORDER BY pk_user;
UPDATE tb_user SET name = 'bob v2' WHERE pk_user = 2;
SELECT * FROM oracles();
SELECT pk_post, author, comments FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;

-- A comment moves to another post: it leaves one array and enters the other.
UPDATE tb_comment SET fk_post = 12 WHERE pk_comment = 103;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post IN (11, 12) ORDER BY pk_post;
SELECT * FROM tv_user WHERE pk_user IN (1, 2) ORDER BY pk_user;
-- Post 11 has no comment left: '[]', count 0, sum NULL. Give it one, then delete it (the last
-- child again, by DELETE this time).
INSERT INTO tb_comment VALUES (108, 11, 3, 'lonely', 1, 7);
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post = 11;
DELETE FROM tb_comment WHERE pk_comment = 108;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post = 11;
SELECT posts FROM tv_user WHERE pk_user = 1;
-- Delete one child among several.
DELETE FROM tb_comment WHERE pk_comment = 101;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post = 10;
-- Move and change in one statement; swap two comments between posts.
UPDATE tb_comment SET fk_post = 13, rank = 0, body = 'moved' WHERE pk_comment = 106;
SELECT * FROM oracles();
UPDATE tb_comment SET fk_post = CASE fk_post WHEN 10 THEN 12 ELSE 10 END
 WHERE pk_comment IN (100, 104);
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;

-- Multi-row child inserts: INSERT ... SELECT over several posts, then a multi-row UPDATE and
-- DELETE of them.
INSERT INTO tb_comment
SELECT 200 + g, 10 + g % 4, 1 + g % 3, 'gen ' || g, g % 3, g - 3 FROM generate_series(1, 8) g;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score, author_comments FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;
UPDATE tb_comment SET rank = 5 - rank, score = score * 2 WHERE pk_comment > 200;
SELECT * FROM oracles();
DELETE FROM tb_comment WHERE pk_comment > 200 AND pk_comment % 2 = 0;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post ORDER BY pk_post;

-- A child change inside a savepoint that is rolled back: the TVIEWs follow inside the
-- transaction, and return to the state before the savepoint.
BEGIN;
INSERT INTO tb_comment VALUES (300, 11, 2, 'kept', 1, 1);
SAVEPOINT s;
INSERT INTO tb_comment VALUES (301, 11, 3, 'undone', 0, 2);
UPDATE tb_comment SET fk_post = 13 WHERE pk_comment = 300;
DELETE FROM tb_comment WHERE fk_post = 10;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post IN (10, 11, 13) ORDER BY pk_post;
ROLLBACK TO SAVEPOINT s;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post IN (10, 11, 13) ORDER BY pk_post;
COMMIT;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post WHERE pk_post IN (10, 11, 13) ORDER BY pk_post;

----------------------------------------------------------------------------------------------
-- Parents
----------------------------------------------------------------------------------------------
-- A parent key change: ON UPDATE CASCADE re-points the comments, the row keeps them.
UPDATE tb_post SET pk_post = 20 WHERE pk_post = 10;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post ORDER BY pk_post;
SELECT posts FROM tv_user WHERE pk_user = 1;
-- A post's title (an ORDER BY column of the outer level of tv_user) and owner change.
UPDATE tb_post SET title = 'zeta' WHERE pk_post = 20;
SELECT * FROM oracles();
SELECT posts FROM tv_user WHERE pk_user = 1;
UPDATE tb_post SET fk_user = 2 WHERE pk_post = 20;
SELECT * FROM oracles();
SELECT pk_post, author, author_comments FROM tv_post WHERE pk_post = 20;
SELECT * FROM tv_user WHERE pk_user IN (1, 2) ORDER BY pk_user;
-- A user key change: ON UPDATE CASCADE re-points the posts; comments keep the old fk_author
-- (no FK), so their author disappears from the arrays.
UPDATE tb_user SET pk_user = 4 WHERE pk_user = 3;
SELECT * FROM oracles();
SELECT pk_post, author, comments, author_comments FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;
UPDATE tb_comment SET fk_author = 4 WHERE fk_author = 3;
SELECT * FROM oracles();
SELECT pk_post, comments, author_comments FROM tv_post ORDER BY pk_post;
-- FK ON DELETE CASCADE from the parent: deleting a post deletes its comments; deleting a user
-- deletes their posts and those posts' comments (their comments on other posts remain, but
-- lose their author in the arrays).
DELETE FROM tb_post WHERE pk_post = 12;
SELECT * FROM oracles();
SELECT pk_post, n_comments FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;
DELETE FROM tb_user WHERE pk_user = 2;
SELECT * FROM oracles();
SELECT pk_post, author, comments, n_comments, author_comments FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;
SELECT count(*) FROM tb_comment;

-- TRUNCATE of the child table: every array '[]', every count 0, every sum NULL.
TRUNCATE tb_comment;
SELECT * FROM oracles();
SELECT * FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;
INSERT INTO tb_comment SELECT 1000 + 10 * pk_post + g, pk_post, 1, 'again ' || g, g, g FROM tb_post, generate_series(1, 2) g;
SELECT * FROM oracles();
SELECT pk_post, comments, n_comments, positive_score FROM tv_post ORDER BY pk_post;
SELECT * FROM tv_user ORDER BY pk_user;

----------------------------------------------------------------------------------------------
-- Orders, lines, products
----------------------------------------------------------------------------------------------
-- A line added, its quantity changed, its gift flag and note set to NULL.
INSERT INTO tb_order_line VALUES (5, 2, 1, 10, false, 'bulk');
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 2;
UPDATE tb_order_line SET qty = 3 WHERE pk_line = 4;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 2;
UPDATE tb_order_line SET gift = NULL, note = NULL WHERE pk_line = 5;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 2;
UPDATE tb_order_line SET gift = NULL WHERE fk_order = 2;
SELECT * FROM oracles();
SELECT pk_order, all_gifts, any_gift, n_notes FROM tv_order WHERE pk_order = 2;
-- NULL quantity: the line total is NULL (a JSON null), sum and avg skip it.
UPDATE tb_order_line SET qty = NULL WHERE pk_line = 2;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 1;
-- A product renamed: every line element showing it, in every order; the elements and the
-- string_agg reorder (ORDER BY the product name).
INSERT INTO tb_order_line VALUES (6, 3, 3, 1, true, NULL), (7, 3, 2, 2, true, NULL);
SELECT * FROM oracles();
UPDATE tb_product SET name = 'aaa cheese' WHERE pk_product = 3;
SELECT * FROM oracles();
SELECT pk_order, lines, product_names FROM tv_order ORDER BY pk_order;
-- A price change: line totals, order totals, min price.
UPDATE tb_product SET price = 0.10 WHERE pk_product = 2;
SELECT * FROM oracles();
SELECT pk_order, lines, total, min_price FROM tv_order ORDER BY pk_order;
-- A line points at another product, then at a missing one (inner join: gone from lines, total,
-- min; LEFT join: '?' in product_names; still counted by avg, array_agg).
UPDATE tb_order_line SET fk_product = 1 WHERE pk_line = 7;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 3;
UPDATE tb_order_line SET fk_product = 42 WHERE pk_line = 7;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 3;
INSERT INTO tb_product VALUES (42, 'durian', 9.99);
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 3;
-- A line moves to another order (the fk changes), then the last line of an order is deleted.
UPDATE tb_order_line SET fk_order = 1 WHERE pk_line = 7;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order IN (1, 3) ORDER BY pk_order;
DELETE FROM tb_order_line WHERE pk_line = 6;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 3;
-- Multi-row insert of lines, all orders at once.
INSERT INTO tb_order_line
SELECT 10 + g, 1 + g % 3, 1 + g % 3, g, g % 2 = 0, CASE WHEN g % 3 = 0 THEN 'n' || g END
  FROM generate_series(1, 9) g;
SELECT * FROM oracles();
SELECT * FROM tv_order ORDER BY pk_order;
-- The order key changes; lines have no FK, so they stay on the old key (the row loses them),
-- then follow.
UPDATE tb_order SET pk_order = 30 WHERE pk_order = 3;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order IN (3, 30) ORDER BY pk_order;
UPDATE tb_order_line SET fk_order = 30 WHERE fk_order = 3;
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 30;
-- Lines of an order that does not exist yet, then the order.
INSERT INTO tb_order_line VALUES (30, 4, 1, 1, true, 'early');
SELECT * FROM oracles();
INSERT INTO tb_order VALUES (4, 'umbrella');
SELECT * FROM oracles();
SELECT * FROM tv_order WHERE pk_order = 4;
-- TRUNCATE of a table joined inside the subqueries: the inner-joined aggregates lose every
-- line, the LEFT-joined string_agg shows '?'; then the products come back.
TRUNCATE tb_product;
SELECT * FROM oracles();
SELECT * FROM tv_order ORDER BY pk_order;
INSERT INTO tb_product VALUES (1, 'apple', 0.50), (2, 'bread', 2.20), (3, 'cheese', 7.00);
SELECT * FROM oracles();
SELECT * FROM tv_order ORDER BY pk_order;
-- A product key change: lines pointing at the old key lose it.
UPDATE tb_product SET pk_product = 33 WHERE pk_product = 3;
SELECT * FROM oracles();
SELECT pk_order, lines, product_names FROM tv_order ORDER BY pk_order;
-- TRUNCATE of the child table.
TRUNCATE tb_order_line;
SELECT * FROM oracles();
SELECT * FROM tv_order ORDER BY pk_order;
-- TRUNCATE inside a rolled-back transaction changes nothing.
INSERT INTO tb_order_line VALUES (1, 1, 1, 2, true, NULL), (2, 2, 2, 3, false, 'x');
BEGIN;
TRUNCATE tb_order_line, tb_product;
SELECT * FROM oracles();
ROLLBACK;
SELECT * FROM oracles();
SELECT * FROM tv_order ORDER BY pk_order;

-- TRUNCATE ... CASCADE of the users empties posts and comments too.
TRUNCATE tb_user CASCADE;
SELECT * FROM oracles();
SELECT count(*) FROM tv_post;
SELECT count(*) FROM tv_user;

----------------------------------------------------------------------------------------------
-- Refusals specific to this shape: nothing is created.
----------------------------------------------------------------------------------------------
-- A subquery that does not aggregate.
SELECT * FROM caught($$CREATE TABLE tv_bad USING tview_am AS
    SELECT p.pk_post, (SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post) AS body FROM tb_post p$$);
SELECT to_regclass('tv_bad');
-- ARRAY(subquery) does not aggregate either.
SELECT * FROM caught($$CREATE TABLE tv_bad USING tview_am AS
    SELECT p.pk_post, ARRAY(SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post) AS bodies FROM tb_post p$$);
SELECT to_regclass('tv_bad');
-- An aggregate grouped inside the subquery.
SELECT * FROM caught($$CREATE TABLE tv_bad USING tview_am AS
    SELECT p.pk_post, (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post GROUP BY c.rank LIMIT 1) AS n FROM tb_post p$$);
SELECT to_regclass('tv_bad');
-- An uncorrelated subquery.
SELECT * FROM caught($$CREATE TABLE tv_bad USING tview_am AS
    SELECT p.pk_post, (SELECT count(*) FROM tb_comment c) AS n FROM tb_post p$$);
SELECT to_regclass('tv_bad');
-- A correlated aggregate in WHERE.
SELECT * FROM caught($$CREATE TABLE tv_bad USING tview_am AS
    SELECT p.pk_post FROM tb_post p WHERE (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post) > 1$$);
SELECT to_regclass('tv_bad');
-- EXISTS in the select list.
SELECT * FROM caught($$CREATE TABLE tv_bad USING tview_am AS
    SELECT p.pk_post, EXISTS (SELECT 1 FROM tb_comment c WHERE c.fk_post = p.pk_post) AS has_comments FROM tb_post p$$);
SELECT to_regclass('tv_bad');

SET client_min_messages = warning;
DROP SCHEMA shape_children CASCADE;
RESET client_min_messages;
RESET search_path;

-- Compiled subqueries are reused across statements of a session: two TVIEWs with several child
-- aggregates each, maintained statement after statement. (Compiled state once pointed into
-- memory freed at the end of the statement that built it: wrong values, errors or crashes on
-- the following statements.)
CREATE SCHEMA reuse;
SET search_path = reuse, public;
CREATE TABLE tb_company (pk_company int PRIMARY KEY);
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text, fk_company int);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, score int);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, body text, score int);
INSERT INTO tb_company VALUES (1);
INSERT INTO tb_user VALUES (1, 'ann', 1);
INSERT INTO tb_post VALUES (1, 1, NULL);
INSERT INTO tb_comment VALUES (1, 1, 'c1', 5);
SELECT $q$ SELECT p.pk_post,
       (SELECT count(*) FROM tb_comment m WHERE m.fk_post = p.pk_post) AS n_comments,
       (SELECT avg(m.score) FROM tb_comment m WHERE m.fk_post = p.pk_post) AS avg_score,
       (SELECT min(m.score) FROM tb_comment m WHERE m.fk_post = p.pk_post) AS min_score,
       (SELECT max(m.body) FROM tb_comment m WHERE m.fk_post = p.pk_post) AS max_body,
       (SELECT bool_and(m.score > 0) FROM tb_comment m WHERE m.fk_post = p.pk_post) AS all_positive
  FROM tb_post p WHERE p.score IS NULL $q$ AS q1 \gset
CREATE TABLE tv_post_stats USING tview_am AS :q1;
SELECT $q$ SELECT c.pk_company,
       (SELECT jsonb_agg(jsonb_build_object('user', u.name,
                   'posts', (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user)) ORDER BY u.pk_user)
            FROM tb_user u WHERE u.fk_company = c.pk_company) AS staff
  FROM tb_company c $q$ AS q2 \gset
CREATE TABLE tv_company_staff USING tview_am AS :q2;
INSERT INTO tb_post VALUES (2, 1, NULL);
SELECT oracle('tv_post_stats', :'q1'), oracle('tv_company_staff', :'q2');
INSERT INTO tb_post VALUES (3, 1, NULL);
SELECT oracle('tv_post_stats', :'q1'), oracle('tv_company_staff', :'q2');
INSERT INTO tb_comment VALUES (2, 2, 'c2', -1), (3, 3, NULL, NULL);
SELECT oracle('tv_post_stats', :'q1'), oracle('tv_company_staff', :'q2');
UPDATE tb_comment SET fk_post = 1 WHERE pk_comment = 2;
INSERT INTO tb_user VALUES (2, 'bob', 1);
UPDATE tb_post SET fk_user = 2 WHERE pk_post = 3;
SELECT oracle('tv_post_stats', :'q1'), oracle('tv_company_staff', :'q2');
SELECT * FROM tv_post_stats ORDER BY pk_post;
SELECT * FROM tv_company_staff;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA reuse CASCADE;
RESET client_min_messages;

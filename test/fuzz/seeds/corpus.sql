-- test/checker/corpus.sql: TVIEW definitions of every shape the regression suite covers, accepted
-- and refused, for the agreement test (test/tap/t/070_checker_agreement.pl): pg_tviews_check and
-- the server must give each the same verdict, SQLSTATE and message. One statement per TVIEW.
CREATE TABLE tb_country (pk_country int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL, email text UNIQUE, fk_country int,
                      age int, active boolean NOT NULL DEFAULT true);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text NOT NULL,
                      published boolean NOT NULL DEFAULT false, score int, created timestamptz);
CREATE TABLE tb_comment (pk_comment int, fk_post int, fk_user int, body text, rank int);
ALTER TABLE tb_comment ADD CONSTRAINT tb_comment_pkey PRIMARY KEY (pk_comment);
CREATE INDEX ON tb_comment (fk_post);
CREATE TABLE tb_tag (name text, fk_post int);
CREATE FUNCTION slug(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower($1) $$;
CREATE FUNCTION lucky() RETURNS int LANGUAGE sql VOLATILE AS $$ SELECT 7 $$;
CREATE VIEW v_user AS SELECT u.pk_user, upper(u.name) AS uname, u.fk_country FROM tb_user u WHERE u.active;
CREATE VIEW v_user_country AS SELECT u.pk_user, u.name, c.name AS country FROM tb_user u JOIN tb_country c ON c.pk_country = u.fk_country;
CREATE VIEW v_published AS SELECT p.pk_post, p.title, p.fk_user FROM tb_post p WHERE p.published;

-- Accepted.
CREATE TABLE tv_join USING tview_am AS SELECT p.pk_post, p.title, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_chain USING tview_am AS SELECT p.pk_post, jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name, 'country', c.name)) AS data FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user JOIN tb_country c ON c.pk_country = u.fk_country;
CREATE TABLE tv_left USING tview_am AS SELECT c.pk_comment, c.body, p.title FROM tb_comment c LEFT JOIN tb_post p ON p.pk_post = c.fk_post;
CREATE TABLE tv_filter USING tview_am AS SELECT p.pk_post, p.title FROM tb_post p WHERE p.published AND p.score > 10;
CREATE TABLE tv_exprs USING tview_am AS SELECT u.pk_user, upper(u.name) AS shout, slug(u.name) AS slug, coalesce(u.age, 0) AS age, u.age > 30 AS older FROM tb_user u;
CREATE TABLE tv_email_key USING tview_am AS SELECT p.pk_post, u.name FROM tb_post p JOIN tb_user u ON u.email = p.title;
CREATE TABLE tv_children USING tview_am AS SELECT p.pk_post, COALESCE((SELECT jsonb_agg(jsonb_build_object('id', c.pk_comment, 'body', c.body) ORDER BY c.rank, c.pk_comment) FROM tb_comment c WHERE c.fk_post = p.pk_post), '[]') AS comments, (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS n FROM tb_post p;
CREATE TABLE tv_nested USING tview_am AS SELECT u.pk_user, COALESCE((SELECT jsonb_agg(jsonb_build_object('title', p.title, 'n', (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post)) ORDER BY p.pk_post) FROM tb_post p WHERE p.fk_user = u.pk_user), '[]') AS posts FROM tb_user u;
CREATE TABLE tv_child_join USING tview_am AS SELECT p.pk_post, (SELECT string_agg(u.name, ', ' ORDER BY u.name) FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user WHERE c.fk_post = p.pk_post) AS commenters FROM tb_post p;
SELECT pg_tviews_create('tv_created', 'SELECT u.pk_user, jsonb_build_object(''name'', u.name) AS data FROM tb_user u');
CREATE TABLE tv_view_join USING tview_am AS SELECT p.pk_post, v.uname FROM tb_post p JOIN v_user v ON v.pk_user = p.fk_user;
CREATE TABLE tv_view_root USING tview_am AS SELECT v.pk_post, v.title FROM v_published v;
CREATE TABLE tv_view_left USING tview_am AS SELECT p.pk_post, v.uname FROM tb_post p LEFT JOIN v_user v ON v.pk_user = p.fk_user;
CREATE TABLE tv_view_chain USING tview_am AS SELECT p.pk_post, v.country FROM tb_post p JOIN v_user_country v ON v.pk_user = p.fk_user;
CREATE TABLE tv_from_subquery USING tview_am AS SELECT s.pk_post, s.t FROM (SELECT p.pk_post, upper(p.title) AS t FROM tb_post p) s;
CREATE TABLE tv_cascade USING tview_am AS SELECT u.pk_user, (SELECT count(*) FROM tv_join j WHERE j.name = u.name) AS n FROM tb_user u;

-- Refused.
CREATE TABLE tv_fanout USING tview_am AS SELECT p.pk_post, c.body FROM tb_post p JOIN tb_comment c ON c.fk_post = p.pk_post;
CREATE TABLE tv_no_key USING tview_am AS SELECT t.name, t.fk_post FROM tb_tag t;
CREATE TABLE tv_group USING tview_am AS SELECT p.fk_user, count(*) AS n FROM tb_post p GROUP BY p.fk_user;
CREATE TABLE tv_distinct USING tview_am AS SELECT DISTINCT p.pk_post FROM tb_post p;
CREATE TABLE tv_limit USING tview_am AS SELECT p.pk_post FROM tb_post p LIMIT 10;
CREATE TABLE tv_union USING tview_am AS SELECT p.pk_post FROM tb_post p UNION SELECT u.pk_user FROM tb_user u;
CREATE TABLE tv_right USING tview_am AS SELECT p.pk_post, u.name FROM tb_post p RIGHT JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_full USING tview_am AS SELECT p.pk_post, u.name FROM tb_post p FULL JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_now USING tview_am AS SELECT p.pk_post, now() AS at FROM tb_post p;
CREATE TABLE tv_random USING tview_am AS SELECT p.pk_post, random() AS r FROM tb_post p;
CREATE TABLE tv_user_volatile USING tview_am AS SELECT p.pk_post, lucky() AS l FROM tb_post p;
CREATE TABLE tv_exists USING tview_am AS SELECT p.pk_post FROM tb_post p WHERE EXISTS (SELECT 1 FROM tb_comment c WHERE c.fk_post = p.pk_post);
CREATE TABLE tv_window USING tview_am AS SELECT p.pk_post, row_number() OVER () AS n FROM tb_post p;
CREATE TABLE tv_no_from USING tview_am AS SELECT 1 AS one;
CREATE TABLE tv_aggregate USING tview_am AS SELECT count(*) AS n FROM tb_post p;
CREATE TABLE tv_view_left_multi USING tview_am AS SELECT p.pk_post, v.country FROM tb_post p LEFT JOIN v_user_country v ON v.pk_user = p.fk_user;

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
CREATE VIEW v_user_country AS SELECT p.pk_post, v.country FROM tb_post p JOIN v_user_country v ON v.pk_usõçﬂ¬ﬂè—¢k_user;
CREATE TABLE tv_from_subquery USING tviewˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇ_am AS SELECT s.pk_post, s.t FROM (SELECT p.pk_post, upper(p.title) AS t FROM tb_post p) s;
CREATE TABLE tv_cascade USING tw_am AS SELECT p.fk_user, count(*) AS n FROM tb_post p GROUP BY p.fk_user;
CREATE TABLE tv_distinct USING tview_am AS SELECT DISTINCT p.pk;
CREATE TABLE tv_distinct USING tview_am AS SELECT DISTINCT p.pk_post FROM tb_post p;
CREATE TABLE tv_limit USING tview_am AS SELECT p.pk_post FROM tb_post p LIMIT 05;
CREATE TABLE tv_unioandom USING tview_am AS SELECT p.pk_post, random() AS r FROM tb_post p;
CREATE TABLE tv_user_volatile USING tview_am AS SELECT p.pk_post, lucky() AS l FROM tb_post p;
CREATE TABLE tv_exists USING tview_am AS SELECT p.pk_post FROM tb_post p WHERE EXISTS (SELECT 1 FROM tb_comment c WHERE c.fk_post = p.pk_post);
CREATE TABLE tv_window USING tview_am AS SELECT p.pk_post, row_number() OVER () AS n FROM tb_post p;
CREATE TABLE tv_no_from USING tview_am AS SELECT 1 AS one;
CREATE TABLE tv_aggregate USING tview_am AS SELECT count(*) AS n FROM tb_post p;
CREATE TABLE tv_view_left_multi USING tview_am AS SELECT p.pk_post, v.country FROM tb_post p LEFT JOIN v_user_country v ON v.pk_user = p.fk_user;

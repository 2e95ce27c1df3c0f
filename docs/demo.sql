-- The pg_tviews demo: what `make demo` runs in a fresh database.
\pset footer off
CREATE EXTENSION pg_tviews;
SELECT tviews.build_info();

-- The seed's schema: users and their posts.
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL, email text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user VALUES (1, 'Ada', 'ada@example.com'), (2, 'Brian', 'brian@example.com');
INSERT INTO tb_post VALUES (1, 1, 'Notes on the Analytical Engine'), (2, 2, 'The C Programming Language');

-- A TVIEW: a table stored by tview_am, filled from its defining query.
CREATE TABLE tv_post USING tview_am AS
SELECT p.pk_post,
       jsonb_build_object('title', p.title,
                          'author', jsonb_build_object('name', u.name, 'email', u.email)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
SELECT pk_post, jsonb_pretty(data) FROM tv_post ORDER BY pk_post;

-- Nobody writes a TVIEW directly.
\set ON_ERROR_STOP 0
UPDATE tv_post SET data = '{}';
\set ON_ERROR_STOP 1

-- The pg_tviews demo: what `make demo` runs in a fresh database.
\pset footer off
CREATE EXTENSION pg_tviews;
SELECT tviews.build_info();

-- The seed's schema: users and their posts.
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL, email text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL,
                      published boolean NOT NULL DEFAULT true);
INSERT INTO tb_user VALUES (1, 'Ada', 'ada@example.com'), (2, 'Brian', 'brian@example.com');
INSERT INTO tb_post VALUES (1, 1, 'Notes on the Analytical Engine', true), (2, 2, 'The C Programming Language', true),
                           (3, 1, 'Sketch of the Engine', false);

-- A TVIEW: a table stored by tview_am, filled from its defining query and kept equal to it.
CREATE TABLE tv_post USING tview_am AS
SELECT p.pk_post,
       jsonb_build_object('title', p.title,
                          'author', jsonb_build_object('name', u.name, 'email', u.email)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
 WHERE p.published;
SELECT pk_post, data FROM tv_post ORDER BY pk_post;

-- Change the sources: the TVIEW follows, inside the same transaction.
BEGIN;
UPDATE tb_user SET name = 'Ada Lovelace' WHERE pk_user = 1;   -- patches data.author.name
UPDATE tb_post SET published = true WHERE pk_post = 3;         -- a row enters
UPDATE tb_post SET fk_user = 1 WHERE pk_post = 2;              -- a row changes author
SELECT pk_post, data FROM tv_post ORDER BY pk_post;
COMMIT;
DELETE FROM tb_post WHERE pk_post = 1;                          -- a row leaves
SELECT pk_post, data FROM tv_post ORDER BY pk_post;

-- EXPLAIN shows what a write will maintain (docs/observability.md).
EXPLAIN (COSTS OFF) UPDATE tb_user SET email = 'ada@lovelace.example' WHERE pk_user = 1;

-- It always equals its definition.
SELECT pg_tviews_verify('tv_post') AS rows_differing;
SELECT tview, sources FROM pg_tviews_metadata;

-- Nobody writes a TVIEW directly.
\set ON_ERROR_STOP 0
UPDATE tv_post SET data = '{}';
\set ON_ERROR_STOP 1

-- The two tiers of the refresh kernels. pg_tviews.jit_threshold = 0 compiles a TVIEW's kernels
-- before their first run; a threshold of N runs each kernel N times in the interpreter first;
-- pg_tviews.jit = off runs everything interpreted. Both tiers give the same TVIEW (oracle = 0
-- after every step); pg_tviews_kernels() shows the tier of each kernel's last run, its runs
-- per tier and the compilations. Altering a source invalidates the compiled TVIEW: its kernels
-- are compiled again. The server's own JIT (jit = on, every query above cost 0) runs in the same
-- backend.
CREATE SCHEMA jit;
SET search_path = jit, public;
SET pg_tviews.jit = on;
SET pg_tviews.jit_threshold = 0;

CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text, email text, score bigint, born date);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text, body text,
                      rating real, big numeric);
CREATE INDEX ON tb_post (fk_user);
INSERT INTO tb_user SELECT g, 'user ' || g, 'u' || g || '@example.com', g * 10, date '2000-01-01' + g
  FROM generate_series(1, 20) g;
INSERT INTO tb_post SELECT g, 1 + g % 20, 'title ' || g, repeat('x', g), g / 4.0, g * 1.5
  FROM generate_series(1, 100) g;
SELECT $q$
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title, 'body', p.body, 'rating', p.rating, 'big', p.big,
                          'author', jsonb_build_object('name', u.name, 'email', u.email, 'score', u.score,
                                                       'born', u.born)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
$q$ AS q \gset
CREATE TABLE tv_post USING tview_am AS :q;
SELECT format($f$CREATE FUNCTION check_tv(OUT oracle bigint)
LANGUAGE sql AS $b$ SELECT oracle('jit.tv_post', %L) $b$$f$, :'q') \gexec
-- kernels(): this TVIEW's kernels, without the timings.
CREATE FUNCTION kernels() RETURNS TABLE (source regclass, change text, tier text, runs_interpreted bigint,
                                        runs_compiled bigint, compiles bigint, compile_failures bigint)
LANGUAGE sql AS $$
    SELECT source, change, tier, runs_interpreted, runs_compiled, compiles, compile_failures
      FROM pg_tviews_kernels() WHERE tview = 'jit.tv_post'::regclass ORDER BY source::text, change $$;

-- Compiled before the first run: every kind of change, by-value and by-reference columns
-- (text, real, numeric, date, bigint), NULLs, keys, structural columns, columns nobody reads.
UPDATE tb_user SET name = name || '!' WHERE pk_user <= 5;
SELECT * FROM check_tv();
UPDATE tb_user SET score = NULL, born = born + 1 WHERE pk_user BETWEEN 3 AND 8;
SELECT * FROM check_tv();
UPDATE tb_post SET title = upper(title), rating = rating * 2, big = big + 0.25 WHERE pk_post % 3 = 0;
SELECT * FROM check_tv();
UPDATE tb_post SET body = body WHERE pk_post < 50;      -- same values: nothing to write
SELECT * FROM check_tv();
UPDATE tb_post SET fk_user = 1 + (fk_user + 1) % 20 WHERE pk_post % 7 = 0;  -- structural
SELECT * FROM check_tv();
UPDATE tb_post SET pk_post = pk_post + 1000 WHERE pk_post > 95;          -- key
SELECT * FROM check_tv();
INSERT INTO tb_post VALUES (500, 2, NULL, NULL, NULL, NULL);
DELETE FROM tb_post WHERE pk_post BETWEEN 10 AND 14;
SELECT * FROM check_tv();
SELECT * FROM kernels();

-- The interpreter only.
SET pg_tviews.jit = off;
UPDATE tb_user SET email = upper(email) WHERE pk_user % 2 = 0;
UPDATE tb_post SET title = lower(title) WHERE pk_post % 3 = 0;
SELECT * FROM check_tv();
SELECT * FROM kernels();
SET pg_tviews.jit = on;

-- A source altered: the compiled TVIEW is dropped; the next run compiles its kernels again.
ALTER TABLE tb_user ADD COLUMN nickname text;
UPDATE tb_user SET name = name || '?', nickname = 'n' WHERE pk_user = 1;
SELECT * FROM check_tv();
SELECT source, change, tier, compiles FROM kernels() WHERE change = 'update';

-- A threshold: a new TVIEW's kernel runs twice interpreted, then compiled.
SET pg_tviews.jit_threshold = 2;
CREATE TABLE tv_user USING tview_am AS SELECT u.pk_user, jsonb_build_object('name', u.name) AS data FROM tb_user u;
UPDATE tb_user SET name = name || '1' WHERE pk_user = 2;
UPDATE tb_user SET name = name || '2' WHERE pk_user = 2;
SELECT tier, runs_interpreted, runs_compiled, compiles FROM pg_tviews_kernels()
 WHERE tview = 'jit.tv_user'::regclass;
UPDATE tb_user SET name = name || '3' WHERE pk_user = 2;
SELECT tier, runs_interpreted, runs_compiled, compiles FROM pg_tviews_kernels()
 WHERE tview = 'jit.tv_user'::regclass;
SELECT oracle('jit.tv_user', 'SELECT u.pk_user, jsonb_build_object(''name'', u.name) AS data FROM jit.tb_user u');
RESET pg_tviews.jit_threshold;

-- The server's own JIT in the same backend: the user's statement and its maintenance both run.
SET jit = on;
SET jit_above_cost = 0;
SET jit_inline_above_cost = 0;
SET jit_optimize_above_cost = 0;
UPDATE tb_user SET name = name || '#' WHERE pk_user IN (SELECT fk_user FROM tb_post WHERE pk_post < 30);
UPDATE tb_post SET title = title || '#' WHERE pk_post < 30;
RESET jit_above_cost;
RESET jit_inline_above_cost;
RESET jit_optimize_above_cost;
RESET jit;
SELECT * FROM check_tv();
SELECT pg_tviews_verify('tv_post'), pg_tviews_verify('tv_user');

RESET search_path;
RESET pg_tviews.jit;
RESET pg_tviews.jit_threshold;
DROP SCHEMA jit CASCADE;

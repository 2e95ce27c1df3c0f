-- Counters: count(*), count(column) and sums of integer columns of child rows, as columns and
-- as JSON paths, bare or in COALESCE(..., 0). The engine maintains them from the change (the
-- value in the TVIEW row plus what the changed child rows add and take away) and runs the
-- subquery for the one parent when the change alone cannot tell (a removed value that may
-- leave a sum NULL). Every kind of child change, in single- and multi-row statements, with NULL
-- values, moves between parents, the last child leaving, and sums past the int4 range. After
-- every step the TVIEW must equal its definition (oracle = 0).
CREATE SCHEMA shape_counters;
SET search_path = shape_counters, public;

CREATE TABLE tb_order (pk_order int PRIMARY KEY, customer text);
CREATE TABLE tb_line  (pk_line int PRIMARY KEY, fk_order int, qty int, small smallint, cents bigint,
                       note text);
CREATE INDEX ON tb_line (fk_order);
INSERT INTO tb_order VALUES (1, 'acme'), (2, 'globex'), (3, 'initech'), (4, 'umbrella');
INSERT INTO tb_line VALUES
    (1, 1, 2, 1, 150, 'a'), (2, 1, 3, NULL, 200, NULL), (3, 1, NULL, 2, NULL, 'c'),
    (4, 2, 5, 5, 9000000000000000000, 'd'), (5, 3, NULL, NULL, NULL, NULL);

SELECT $q$
SELECT o.pk_order,
       (SELECT count(*) FROM tb_line l WHERE l.fk_order = o.pk_order) AS n_lines,
       (SELECT sum(l.qty) FROM tb_line l WHERE l.fk_order = o.pk_order) AS qty,
       jsonb_build_object(
           'customer', o.customer,
           'noted', (SELECT count(l.note) FROM tb_line l WHERE l.fk_order = o.pk_order),
           'small', COALESCE((SELECT sum(l.small) FROM tb_line l WHERE l.fk_order = o.pk_order), 0),
           'cents', (SELECT sum(l.cents) FROM tb_line l WHERE l.fk_order = o.pk_order),
           'big_lines', (SELECT count(*) FROM tb_line l WHERE l.fk_order = o.pk_order AND l.qty > 2)
       ) AS doc
  FROM tb_order o
$q$ AS q \gset
CREATE TABLE tv_order USING tview_am AS :q;
-- check_tv(): the oracle with this file's copy of the definition, and pg_tviews_verify.
SELECT format($f$CREATE FUNCTION check_tv(OUT oracle bigint, OUT verify bigint)
LANGUAGE sql AS $b$ SELECT oracle('shape_counters.tv_order', %L), pg_tviews_verify('shape_counters.tv_order') $b$$f$,
              :'q') \gexec
SELECT * FROM check_tv();
SELECT * FROM tv_order ORDER BY pk_order;

-- Inserts: one line, several lines of one order in one statement, lines of several orders,
-- NULL values (counted by count(*) only), the first line of an order.
INSERT INTO tb_line VALUES (6, 1, 4, 3, 50, 'f');
SELECT * FROM check_tv();
INSERT INTO tb_line VALUES (7, 2, 1, 1, 1, NULL), (8, 2, 2, 2, 2, 'h'), (9, 3, 7, NULL, NULL, 'i');
SELECT * FROM check_tv();
INSERT INTO tb_line VALUES (10, 4, NULL, NULL, NULL, NULL);
SELECT * FROM check_tv();
SELECT * FROM tv_order ORDER BY pk_order;

-- Updates in place: values changing, NULL to a value, a value to NULL (the sum may become NULL:
-- the subquery runs), a column no counter reads.
UPDATE tb_line SET qty = qty + 10, small = small + 1, cents = cents * 2 WHERE fk_order = 1;
SELECT * FROM check_tv();
UPDATE tb_line SET qty = 3, note = 'now' WHERE pk_line = 5;
SELECT * FROM check_tv();
UPDATE tb_line SET qty = NULL, cents = NULL WHERE pk_line IN (5, 9);
SELECT * FROM check_tv();
UPDATE tb_line SET note = note || '!' WHERE fk_order = 2;
SELECT * FROM check_tv();
SELECT * FROM tv_order ORDER BY pk_order;

-- Moves between orders (one line, then all lines of an order: one order left without lines),
-- a line moved to an order that does not exist and back.
UPDATE tb_line SET fk_order = 4 WHERE pk_line = 1;
SELECT * FROM check_tv();
UPDATE tb_line SET fk_order = 1 WHERE fk_order = 3;
SELECT * FROM check_tv();
UPDATE tb_line SET fk_order = 99 WHERE pk_line = 4;
SELECT * FROM check_tv();
UPDATE tb_line SET fk_order = 2 WHERE pk_line = 4;
SELECT * FROM check_tv();
SELECT * FROM tv_order ORDER BY pk_order;

-- Deletes: one line, the last lines of an order (count 0, sums NULL, COALESCE 0), lines of
-- several orders in one statement.
DELETE FROM tb_line WHERE pk_line = 6;
SELECT * FROM check_tv();
DELETE FROM tb_line WHERE fk_order = 4;
SELECT * FROM check_tv();
DELETE FROM tb_line WHERE pk_line IN (7, 9);
SELECT * FROM check_tv();
SELECT * FROM tv_order ORDER BY pk_order;

-- Sums past the int4 range (sum(int) is bigint) and past the bigint range (sum(bigint) is
-- numeric).
INSERT INTO tb_line VALUES (20, 4, 2147483647, 32767, 9223372036854775807, 'x'),
                           (21, 4, 2147483647, 32767, 9223372036854775807, 'y');
SELECT * FROM check_tv();
UPDATE tb_line SET cents = -9223372036854775807 WHERE pk_line = 20;
SELECT * FROM check_tv();
SELECT * FROM tv_order WHERE pk_order = 4;

-- A transaction that adds and removes lines of one order, then rolls back; another that commits.
BEGIN;
INSERT INTO tb_line VALUES (30, 2, 1, 1, 1, 'z');
DELETE FROM tb_line WHERE pk_line = 8;
SELECT * FROM check_tv();
ROLLBACK;
SELECT * FROM check_tv();
BEGIN;
INSERT INTO tb_line VALUES (30, 2, 1, 1, 1, 'z');
UPDATE tb_line SET qty = qty + 1 WHERE pk_line = 30;
DELETE FROM tb_line WHERE pk_line = 8;
COMMIT;
SELECT * FROM check_tv();

-- A new order, an order re-keyed (its counters are recomputed with the row), TRUNCATE.
INSERT INTO tb_order VALUES (5, 'hooli');
INSERT INTO tb_line VALUES (40, 5, 1, 1, 1, 'w');
SELECT * FROM check_tv();
UPDATE tb_order SET pk_order = 6 WHERE pk_order = 5;
SELECT * FROM check_tv();
UPDATE tb_line SET fk_order = 6 WHERE pk_line = 40;
SELECT * FROM check_tv();
-- Which counters came from the change (EXPLAIN ANALYZE's "Counters From Change"): an insert
-- updates all five (n_lines, qty, noted, small, cents; big_lines has a filter, so its subquery
-- runs); a delete of a line with values only the two counts (a removed summand may leave a sum
-- NULL: those subqueries run); a second statement on the same order in one transaction none
-- (the row was rewritten by this transaction).
CREATE FUNCTION from_change(sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || sql LOOP
        IF line ~ 'Counters From Change' THEN RETURN trim(line); END IF;
    END LOOP;
    RETURN 'none';
END $f$;
SELECT from_change($$INSERT INTO tb_line VALUES (60, 2, 4, 4, 4, 'k')$$);
SELECT * FROM check_tv();
SELECT from_change($$DELETE FROM tb_line WHERE pk_line = 60$$);
SELECT * FROM check_tv();
BEGIN;
SELECT from_change($$INSERT INTO tb_line VALUES (61, 2, 1, 1, 1, 'l')$$);
SELECT from_change($$INSERT INTO tb_line VALUES (62, 2, 1, 1, 1, 'm')$$);
COMMIT;
SELECT * FROM check_tv();

-- One statement changing orders and their lines (writable CTEs; the order's kernel may run
-- first and count the lines already: the lines' kernel must not count them again).
WITH moved AS (UPDATE tb_line SET fk_order = 7 WHERE fk_order = 6 RETURNING 1)
UPDATE tb_order SET pk_order = 7 WHERE pk_order = 6;
SELECT * FROM check_tv();
WITH o AS (INSERT INTO tb_order VALUES (8, 'wayne') RETURNING pk_order)
INSERT INTO tb_line SELECT 50 + g, o.pk_order, g, g, g, 'n' FROM o, generate_series(1, 3) g;
SELECT * FROM check_tv();
WITH l AS (DELETE FROM tb_line WHERE fk_order = 8 AND qty = 1 RETURNING 1)
UPDATE tb_order SET customer = 'wayne corp' WHERE pk_order = 8;
SELECT * FROM check_tv();
SELECT * FROM tv_order WHERE pk_order IN (7, 8) ORDER BY pk_order;
TRUNCATE tb_line;
SELECT * FROM check_tv();
SELECT * FROM tv_order ORDER BY pk_order;

RESET search_path;
DROP SCHEMA shape_counters CASCADE;

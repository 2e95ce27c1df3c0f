-- Definitions calling functions that catch errors (PL/pgSQL EXCEPTION blocks run in a
-- subtransaction), and savepoints around creation and maintenance: a subtransaction that ends
-- inside pg_tviews's work closes only what was opened inside it. Each TVIEW is created,
-- maintained, refreshed and given a new definition; the oracle holds after every step.
CREATE SCHEMA subxact;
SET search_path = subxact, public;
CREATE FUNCTION safe_int(t text) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN RETURN t::int; EXCEPTION WHEN others THEN RETURN NULL; END $$;
CREATE TABLE tb_a (pk int PRIMARY KEY, v text);
INSERT INTO tb_a VALUES (1, 'x'), (2, '2'), (3, 'y');

-- CREATE TABLE ... AS and pg_tviews_create() with a catching function.
SELECT 'SELECT pk, safe_int(v) AS n FROM subxact.tb_a' AS qa \gset
CREATE TABLE tv_a USING tview_am AS SELECT pk, safe_int(v) AS n FROM tb_a;
TABLE tv_a ORDER BY pk;
SELECT oracle('tv_a', :'qa'), pg_tviews_verify('tv_a');
SELECT pg_tviews_create('subxact.tv_a2', 'SELECT pk, safe_int(v) + 1 AS n1 FROM subxact.tb_a') AS a2 \gset
SELECT :'a2'::regclass = 'subxact.tv_a2'::regclass AS created;
SELECT oracle('tv_a2', 'SELECT pk, safe_int(v) + 1 AS n1 FROM subxact.tb_a'), pg_tviews_verify('tv_a2');

-- Maintained: every kind of change, each evaluating the function on rows that fail the cast.
INSERT INTO tb_a VALUES (4, '40'), (5, 'z');
UPDATE tb_a SET v = 'w' WHERE pk = 2;
UPDATE tb_a SET v = '7' WHERE pk = 1;
DELETE FROM tb_a WHERE pk = 3;
TABLE tv_a ORDER BY pk;
SELECT oracle('tv_a', :'qa'), pg_tviews_verify('tv_a'), pg_tviews_verify('tv_a2');

-- Refresh and a new definition.
SELECT pg_tviews_refresh('tv_a');
SELECT oracle('tv_a', :'qa'), pg_tviews_verify('tv_a');
SELECT pg_tviews_alter('tv_a', 'SELECT pk, safe_int(v) * 10 AS n FROM subxact.tb_a');
TABLE tv_a ORDER BY pk;
SELECT oracle('tv_a', 'SELECT pk, safe_int(v) * 10 AS n FROM subxact.tb_a'), pg_tviews_verify('tv_a');
UPDATE tb_a SET v = '8' WHERE pk = 5;
SELECT oracle('tv_a', 'SELECT pk, safe_int(v) * 10 AS n FROM subxact.tb_a'), pg_tviews_verify('tv_a');

-- Direct writes stay refused after a subtransaction ended inside maintenance.
SELECT code, message FROM caught('INSERT INTO subxact.tv_a VALUES (99, 1)');

-- A savepoint rolled back in the creating transaction, then the TVIEW created again.
BEGIN;
SAVEPOINT before_create;
CREATE TABLE tv_b USING tview_am AS SELECT pk, safe_int(v) AS n FROM tb_a;
ROLLBACK TO SAVEPOINT before_create;
SELECT to_regclass('subxact.tv_b') IS NULL AS rolled_back;
CREATE TABLE tv_b USING tview_am AS SELECT pk, safe_int(v) AS n FROM tb_a;
UPDATE tb_a SET v = 'q' WHERE pk = 4;
SELECT oracle('tv_b', 'SELECT pk, safe_int(v) AS n FROM subxact.tb_a'), pg_tviews_verify('tv_b');
COMMIT;
SELECT oracle('tv_b', 'SELECT pk, safe_int(v) AS n FROM subxact.tb_a'), pg_tviews_verify('tv_b');

-- A failed creation inside a savepoint leaves no TVIEW and no open write window. (The statement
-- is built in a DO block: the error comes from the data, which pg_tviews_check cannot see.)
BEGIN;
SAVEPOINT s;
DO $$ BEGIN EXECUTE 'CREATE TABLE subxact.tv_bad USING tview_am' || ' AS SELECT pk, 1 / (pk - pk) AS boom FROM subxact.tb_a'; END $$;
ROLLBACK TO SAVEPOINT s;
SELECT to_regclass('subxact.tv_bad') IS NULL AS no_tview;
SELECT code, message FROM caught('INSERT INTO subxact.tv_b VALUES (99, 1)');
COMMIT;

-- Maintenance inside savepoints: a rolled-back change leaves the TVIEW as it was, a released one
-- stays, and a write caught by an EXCEPTION block is undone with its subtransaction.
BEGIN;
SAVEPOINT s1;
UPDATE tb_a SET v = '100' WHERE pk = 1;
ROLLBACK TO SAVEPOINT s1;
SAVEPOINT s2;
UPDATE tb_a SET v = '200' WHERE pk = 2;
RELEASE SAVEPOINT s2;
DO $$
BEGIN
    UPDATE subxact.tb_a SET v = '300' WHERE pk = 5;
    PERFORM 1 / 0;
EXCEPTION WHEN division_by_zero THEN NULL;
END $$;
SELECT pk, n FROM tv_b ORDER BY pk;
SELECT oracle('tv_b', 'SELECT pk, safe_int(v) AS n FROM subxact.tb_a'), pg_tviews_verify('tv_b');
COMMIT;

-- A cascade whose inner TVIEW calls a catching function: the outer TVIEW reads it.
CREATE TABLE tb_c (pk int PRIMARY KEY, fk_a int NOT NULL REFERENCES tb_a, label text);
INSERT INTO tb_c VALUES (10, 1, 'ten'), (20, 2, 'twenty'), (50, 5, 'fifty');
SELECT 'SELECT c.pk, c.label, b.n FROM subxact.tb_c c JOIN subxact.tv_b b ON b.pk = c.fk_a' AS qc \gset
CREATE TABLE tv_c USING tview_am AS SELECT c.pk, c.label, b.n FROM tb_c c JOIN tv_b b ON b.pk = c.fk_a;
UPDATE tb_a SET v = 'nope' WHERE pk = 1;
UPDATE tb_a SET v = '21' WHERE pk = 2;
TABLE tv_c ORDER BY pk;
SELECT oracle('tv_c', :'qc'), pg_tviews_verify('tv_b'), pg_tviews_verify('tv_c');
BEGIN;
SAVEPOINT s;
UPDATE tb_a SET v = '11' WHERE pk = 1;
ROLLBACK TO SAVEPOINT s;
UPDATE tb_a SET v = '12' WHERE pk = 5;
COMMIT;
TABLE tv_c ORDER BY pk;
SELECT oracle('tv_c', :'qc'), pg_tviews_verify('tv_b'), pg_tviews_verify('tv_c');

-- An error inside maintenance caught by an EXCEPTION block: the kernel's scope ends with the
-- subtransaction (the writer's role and settings are back, the write window is closed), and
-- maintenance goes on correctly afterwards.
CREATE TABLE tv_d USING tview_am AS SELECT pk, 100 / safe_int(v) AS q FROM tb_a WHERE safe_int(v) IS NOT NULL;
SET search_path = subxact, public, pg_temp;
DO $$
BEGIN
    UPDATE subxact.tb_a SET v = '0' WHERE pk = 2;
    RAISE EXCEPTION 'not reached';
EXCEPTION WHEN division_by_zero THEN RAISE NOTICE 'maintenance failed: division by zero';
END $$;
SELECT current_user = session_user AS same_user, current_setting('search_path') AS search_path;
SELECT code, message FROM caught('DELETE FROM subxact.tv_d');
UPDATE tb_a SET v = '4' WHERE pk = 2;
TABLE tv_d ORDER BY pk;
SELECT oracle('tv_d', 'SELECT pk, 100 / safe_int(v) AS q FROM subxact.tb_a WHERE safe_int(v) IS NOT NULL'),
       pg_tviews_verify('tv_d');

RESET search_path;
DROP SCHEMA subxact CASCADE;

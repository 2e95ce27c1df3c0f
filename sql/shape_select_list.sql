-- Shape 3: select lists. Nested JSON builders, expressions at the leaves, whole-row JSON, plain
-- columns alongside JSON, a column list, and the settings pinned at creation.
CREATE SCHEMA shape_select_list;
SET search_path = shape_select_list, public;
-- The creation settings of every TVIEW in this file.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 0;

CREATE TABLE dim (id int PRIMARY KEY, label text, weight numeric);
CREATE TABLE fact (id int PRIMARY KEY, name text, qty int, price numeric(10,2), ratio float8,
                   ts timestamptz, d date, iv interval, flag boolean, note text, tags text[],
                   fk int);
INSERT INTO dim VALUES (1, 'one', 1.5), (2, 'two', NULL);
INSERT INTO fact VALUES
  (1, 'alpha', 3, 9.99, 0.1, '2024-01-02 03:04:05+00', '2024-02-29', '1 day 02:00', true, NULL, '{a,b}', 1),
  (2, 'beta', NULL, 0.5, 1e-10, '2024-06-30 23:59:59.5+02', '1999-12-31', '-3 months', false, 'n', '{}', 2),
  (3, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 'x', NULL, 1);

-- 1. Nested builders, expressions at the leaves, scalars through to_jsonb, casts of every kind,
--    and plain columns alongside the document.
SELECT $q$
SELECT f.id,
       upper(f.name) AS name_upper,
       f.qty * f.price AS total,
       jsonb_build_object(
         'name', f.name || ' (' || coalesce(d.label, '?') || ')',
         'amount', jsonb_build_object('qty', f.qty, 'price', f.price,
                                      'total', f.qty * f.price + coalesce(d.weight, 0),
                                      'rounded', round(f.price)::int, 'small', f.qty::smallint),
         'kind', CASE WHEN f.qty IS NULL THEN 'unknown' WHEN f.qty > 0 THEN 'stock' ELSE 'none' END,
         'casts', jsonb_build_array(f.qty::text, f.price::float8, f.ratio::numeric, f.flag::text,
                                    f.d::timestamptz, f.ts::date, NULL::int, f.id::bool, f.note::varchar(1)),
         'scalars', jsonb_build_array(to_jsonb(f.name), to_jsonb(f.ts), to_jsonb(f.tags), to_jsonb(f.flag)),
         'nested', jsonb_build_array(jsonb_build_object('a', jsonb_build_array(1, f.id, jsonb_build_object()))),
         'dim', jsonb_build_object('label', d.label, 'weight', d.weight)) AS data,
       f.flag AND d.weight IS NOT NULL AS weighted
  FROM fact f
  JOIN dim d ON d.id = f.fk
$q$ AS q \gset
CREATE TABLE tv_fact USING tview_am AS :q;
SELECT oracle('tv_fact', :'q'), pg_tviews_verify('tv_fact');
SELECT id, name_upper, total, weighted, jsonb_pretty(data) FROM tv_fact WHERE id = 1;
SELECT * FROM tv_fact ORDER BY id;
UPDATE fact SET name = 'gamma', qty = 7, price = 1.25 WHERE id = 3;
SELECT oracle('tv_fact', :'q');
UPDATE fact SET ratio = ratio * 3, tags = tags || '{c}', flag = NOT flag, note = NULL;
SELECT oracle('tv_fact', :'q');
UPDATE dim SET label = NULL, weight = 2 WHERE id = 1;
SELECT oracle('tv_fact', :'q');
UPDATE dim SET weight = weight + 0.25;
SELECT oracle('tv_fact', :'q');
SELECT * FROM tv_fact ORDER BY id;
-- A value that makes an expression fail is an error in the writing statement, which is
-- rolled back as a whole ("f.note::varchar(1)" truncates silently, as an explicit cast does,
-- but qty::smallint overflows).
SELECT * FROM caught($$UPDATE fact SET qty = 100000, note = 'long note' WHERE id = 1$$);
SELECT qty, note FROM fact WHERE id = 1;
SELECT oracle('tv_fact', :'q');
UPDATE fact SET note = 'long note' WHERE id = 1;
SELECT oracle('tv_fact', :'q');
DELETE FROM fact WHERE id = 2;
INSERT INTO fact (id, fk) VALUES (4, 2);
SELECT oracle('tv_fact', :'q');
SELECT * FROM tv_fact WHERE id = 4;

-- 2. Whole rows: to_jsonb(table row) and row_to_json(table row). row_to_json returns json,
--    which has no equality operator, so that TVIEW is compared as text by oracle_text() below
--    (same formula, rows compared through their text form).
CREATE FUNCTION oracle_text(tv regclass, q text) RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT t::text FROM %s t EXCEPT ALL SELECT q::text FROM (%s) q) '
                   'UNION ALL (SELECT q::text FROM (%s) q EXCEPT ALL SELECT t::text FROM %s t)) d', tv, q, q, tv)
      INTO n;
    RETURN n;
END $f$;
SELECT $q$
SELECT f.id, to_jsonb(dm) AS dim_row, to_jsonb(f.*) - 'ts' AS fact_row
  FROM fact f JOIN dim dm ON dm.id = f.fk
$q$ AS q2 \gset
CREATE TABLE tv_rows USING tview_am AS :q2;
SELECT oracle('tv_rows', :'q2');
SELECT $q$
SELECT d.id, row_to_json(d) AS doc, json_build_object('l', d.label, 'w', d.weight) AS small
  FROM dim d
$q$ AS q3 \gset
CREATE TABLE tv_json USING tview_am AS :q3;
SELECT oracle_text('tv_json', :'q3');
SELECT * FROM tv_json ORDER BY id;
UPDATE dim SET label = 'uno' WHERE id = 1;
SELECT oracle('tv_rows', :'q2'), oracle_text('tv_json', :'q3');
SELECT * FROM tv_json ORDER BY id;
SELECT * FROM tv_rows ORDER BY id;
UPDATE fact SET name = 'renamed' WHERE id = 1;
SELECT oracle('tv_rows', :'q2'), oracle_text('tv_json', :'q3');
-- A column added to a table read as a whole row: the defining query now returns it in every
-- row, so the TVIEW must too (or the ALTER must be refused, as for other changes to a column
-- the TVIEW reads).
SELECT * FROM caught('ALTER TABLE dim ADD COLUMN extra int DEFAULT 7');
SELECT oracle('tv_rows', :'q2'), oracle_text('tv_json', :'q3');
UPDATE dim SET label = 'un' WHERE id = 1;
SELECT oracle('tv_rows', :'q2'), oracle_text('tv_json', :'q3');
SELECT id, dim_row FROM tv_rows ORDER BY id;
SELECT * FROM tv_json ORDER BY id;
-- Dropping a column of a table read as a whole row drops a column the TVIEW reads: refused
-- (2BP01) unless CASCADE.
SELECT code, message FROM caught('ALTER TABLE dim DROP COLUMN weight');
SELECT oracle('tv_rows', :'q2'), oracle_text('tv_json', :'q3');
-- (Rebuild both, so that what follows is checked from a consistent state.)
SELECT pg_tviews_refresh('tv_rows'), pg_tviews_refresh('tv_json');
SELECT oracle('tv_rows', :'q2'), oracle_text('tv_json', :'q3');
-- A column read only through the whole row (extra, added above) is read too: dropping it is
-- refused unless CASCADE.
SELECT code, message FROM caught('ALTER TABLE dim DROP COLUMN extra');
SELECT oracle('tv_rows', :'q2'), oracle_text('tv_json', :'q3');
SELECT pg_tviews_refresh('tv_rows'), pg_tviews_refresh('tv_json');

-- 3. A column list names the TVIEW's columns.
SELECT $q$
SELECT f.id, jsonb_build_object('n', f.name) FROM fact f
$q$ AS q4 \gset
CREATE TABLE tv_named (key, doc) USING tview_am AS :q4;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'tv_named'::regclass AND attnum > 0 ORDER BY attnum;
UPDATE fact SET name = 'first' WHERE id = 1;
SELECT oracle('tv_named', :'q4');
SELECT * FROM tv_named ORDER BY key;
-- A shorter column list keeps the remaining names.
CREATE TABLE tv_named2 (key) USING tview_am AS SELECT f.id, f.name FROM fact f;
UPDATE fact SET name = 'second' WHERE id = 1;
SELECT oracle('tv_named2', 'SELECT f.id, f.name FROM fact f');
SELECT * FROM tv_named2 ORDER BY key;

-- 4. Pinned settings. tv_pinned was created under TimeZone UTC, DateStyle ISO, IntervalStyle
--    postgres, extra_float_digits 0 (set at the top of this file); it records them.
SELECT $q$
SELECT f.id, f.ts::text AS ts_text,
       jsonb_build_object('ts', f.ts, 'ts_text', f.ts::text, 'd', f.d, 'd_text', f.d::text,
                          'iv', f.iv, 'iv_text', f.iv::text, 'f', f.ratio, 'f_text', f.ratio::text,
                          'sum', f.ratio + 0.2::float8) AS data
  FROM fact f
$q$ AS q5 \gset
CREATE TABLE tv_pinned USING tview_am AS :q5;
SELECT pinned_settings FROM pg_tviews_metadata WHERE tview = 'tv_pinned'::regclass;
SELECT * FROM tv_pinned ORDER BY id;
-- The session switches to other settings and writes: maintenance still uses the creation
-- settings, so the new and changed rows look exactly like the rows written at creation.
SET TimeZone = 'Asia/Tokyo';
SET DateStyle = 'German, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = 3;
UPDATE fact SET ts = '2025-03-04 05:06:07+00', d = '2025-12-25', iv = '2 hours', ratio = 0.1
 WHERE id = 1;
INSERT INTO fact (id, ts, d, iv, ratio, fk) VALUES (5, '2025-07-01 12:00:00+00', '2025-07-01', '1 year', 2.5, 1);
-- The session's settings are untouched by maintenance.
SHOW TimeZone;
SHOW DateStyle;
SHOW extra_float_digits;
-- Reading the TVIEW under the session's settings: the json values and *_text columns are the
-- strings maintenance built under the creation settings (UTC, ISO); the ts_text column is text.
SELECT id, ts_text, data->>'ts' AS ts, data->>'d_text' AS d_text, data->>'iv_text' AS iv_text,
       data->>'f_text' AS f_text, data->'sum' AS sum
  FROM tv_pinned ORDER BY id;
-- The engine's own check compares under the pinned settings: consistent.
SELECT pg_tviews_verify('tv_pinned');
-- Run with the session's settings, the oracle's query renders timestamps, dates, intervals and
-- floats differently, so it finds differences: that is expected, the TVIEW follows the
-- creation settings.
SELECT oracle('tv_pinned', :'q5') > 0 AS differs_under_session_settings;
-- The oracle must be run with the creation settings: then it is 0.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 0;
SELECT oracle('tv_pinned', :'q5');
SELECT * FROM tv_pinned ORDER BY id;
-- Same under other settings inside a transaction (SET LOCAL), for a DELETE and an UPDATE.
BEGIN;
SET LOCAL TimeZone = 'America/New_York';
SET LOCAL extra_float_digits = 3;
UPDATE fact SET ratio = 1.0/3 WHERE id = 5;
DELETE FROM fact WHERE id = 3;
COMMIT;
SELECT oracle('tv_pinned', :'q5');
SELECT id, data->>'ts' AS ts, data->'f' AS f FROM tv_pinned ORDER BY id;
-- Every other TVIEW of this file, checked under the creation settings.
SELECT oracle('tv_fact', :'q'), oracle('tv_rows', :'q2'), oracle_text('tv_json', :'q3'),
       oracle('tv_named', :'q4');

SET client_min_messages = warning;
DROP SCHEMA shape_select_list CASCADE;
RESET client_min_messages;
RESET search_path;
RESET TimeZone;
RESET DateStyle;
RESET IntervalStyle;
RESET extra_float_digits;

-- The extension: schema, access method, catalog, settings.
CREATE EXTENSION pg_tviews;

SELECT extname, extversion, extrelocatable
  FROM pg_extension WHERE extname = 'pg_tviews';

-- tview_am is a table access method backed by the extension's handler.
SELECT amname, amtype, amhandler::regproc FROM pg_am WHERE amname = 'tview_am';

-- The catalog is registered for pg_dump.
SELECT extconfig::regclass[] AS dumped_tables FROM pg_extension WHERE extname = 'pg_tviews';
\d tviews.tview

-- What it was built against.
-- The server it was built for, and the LLVM that server's JIT links (15: 14, 17: 19, 18: 21).
SELECT tviews.build_info() ~ format('^pg_tviews [0-9.]+ for PostgreSQL %s, LLVM %s\.', v, llvm) AS build_info_ok
  FROM (SELECT current_setting('server_version_num')::int / 10000 AS v) s,
       LATERAL (SELECT CASE v WHEN 15 THEN 14 WHEN 17 THEN 19 WHEN 18 THEN 21 END AS llvm) l;

-- The pg_tviews. settings prefix is reserved: typos are errors, not silent placeholders.
SET pg_tviews.restore_mod = on;
SHOW pg_tviews.restore_mode;

-- Restore mode is for superusers only.
CREATE ROLE tviews_plain_user;
SET ROLE tviews_plain_user;
SET pg_tviews.restore_mode = on;
RESET ROLE;
DROP ROLE tviews_plain_user;

-- Dropping and re-creating the extension leaves nothing behind.
DROP EXTENSION pg_tviews;
SELECT count(*) AS leftover_am FROM pg_am WHERE amname = 'tview_am';
SELECT count(*) AS leftover_schema FROM pg_namespace WHERE nspname = 'tviews';
CREATE EXTENSION pg_tviews;
SELECT count(*) AS am_back FROM pg_am WHERE amname = 'tview_am';

-- pg_tviews 0.1: the schema, the catalog and the table access method of TVIEWs.
\echo Use "CREATE EXTENSION pg_tviews" to load this file. \quit

-- Everything pg_tviews creates lives in schema tviews ("pg_" is reserved for the system), a member
-- of the extension so that DROP EXTENSION removes it too.
CREATE SCHEMA tviews;

-- pg_tviews must be preloaded (shared_preload_libraries): fail early and say how to fix it.
CREATE FUNCTION tviews.require_preload() RETURNS void
    AS 'MODULE_PATHNAME', 'pg_tviews_require_preload' LANGUAGE C VOLATILE;
SELECT tviews.require_preload();

-- The access method that stores TVIEWs: heap underneath, written only by pg_tviews.
CREATE FUNCTION tviews.tview_am_handler(internal) RETURNS table_am_handler
    AS 'MODULE_PATHNAME', 'tview_am_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD tview_am TYPE TABLE HANDLER tviews.tview_am_handler;
COMMENT ON ACCESS METHOD tview_am IS 'TVIEW storage: heap, written only by the pg_tviews engine';

-- The catalog: one row per TVIEW. Relations are referenced as regclass, which pg_dump writes
-- as names, so a restored catalog points at the restored tables.
CREATE TABLE tviews.tview (
    tview      regclass PRIMARY KEY,
    definition text NOT NULL,
    created_by regrole NOT NULL DEFAULT current_user::regrole
);
COMMENT ON TABLE tviews.tview IS 'pg_tviews catalog: one row per TVIEW';
SELECT pg_catalog.pg_extension_config_dump('tviews.tview', '');


-- What this pg_tviews was built from (versions of PostgreSQL and LLVM), for bug reports.
CREATE FUNCTION tviews.build_info() RETURNS text
    AS 'MODULE_PATHNAME', 'pg_tviews_build_info' LANGUAGE C STABLE STRICT;

GRANT USAGE ON SCHEMA tviews TO PUBLIC;
GRANT SELECT ON tviews.tview TO PUBLIC;

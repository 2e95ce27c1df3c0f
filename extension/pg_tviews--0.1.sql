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
    tview      regclass PRIMARY KEY,  -- the TVIEW
    definition text NOT NULL,         -- its defining query, schema-qualified
    query_tree text NOT NULL,         -- the analyzed query the engine plans from
    settings   text NOT NULL,         -- settings pinned for maintenance (name=value lines)
    sources    regclass[] NOT NULL,   -- the tables it reads
    populated  boolean NOT NULL       -- false after WITH NO DATA until pg_tviews_refresh
);
COMMENT ON TABLE tviews.tview IS 'pg_tviews catalog: one row per TVIEW';
SELECT pg_catalog.pg_extension_config_dump('tviews.tview', '');


-- What this pg_tviews was built from (versions of PostgreSQL and LLVM), for bug reports.
CREATE FUNCTION tviews.build_info() RETURNS text
    AS 'MODULE_PATHNAME', 'pg_tviews_build_info' LANGUAGE C STABLE STRICT;

-- The trigger pg_tviews installs on every source table of a TVIEW (internal triggers, one per
-- event, with the TVIEW's OID as argument).
CREATE FUNCTION tviews.maintain() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pg_tviews_maintain' LANGUAGE C;

-- DROP TABLE of a TVIEW (or DROP ... CASCADE of a source) removes its catalog row; its triggers
-- depend on it and go with it.
CREATE FUNCTION tviews.forget_dropped() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM tviews.tview t
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND d.objid = t.tview::oid;
END $$;
CREATE EVENT TRIGGER tviews_forget_dropped ON sql_drop EXECUTE FUNCTION tviews.forget_dropped();

-- The user-facing interface lives in the schema CREATE EXTENSION installs into (public by default).
CREATE FUNCTION @extschema@.pg_tviews_create(name text, query text) RETURNS regclass
    AS 'MODULE_PATHNAME', 'pg_tviews_create' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.pg_tviews_create(text, text) IS
    'creates a TVIEW: CREATE TABLE name USING tview_am AS query';
CREATE FUNCTION @extschema@.pg_tviews_refresh(tview regclass) RETURNS void
    AS 'MODULE_PATHNAME', 'pg_tviews_refresh' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.pg_tviews_refresh(regclass) IS 'rebuilds a TVIEW from its definition';
CREATE FUNCTION @extschema@.pg_tviews_kernels(
    OUT tview regclass, OUT source regclass, OUT change text, OUT tier text,
    OUT runs_interpreted bigint, OUT runs_compiled bigint,
    OUT compiles bigint, OUT compile_ms double precision, OUT compile_failures bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pg_tviews_kernels' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.pg_tviews_kernels() IS
    'This backend''s TVIEW refresh kernels (one per TVIEW, source and kind of change): the tier of their last run (interpreted or compiled), runs per tier, and the compilations of their TVIEW''s kernels (count, total milliseconds, failures).';

CREATE FUNCTION @extschema@.pg_tviews_verify(tview regclass) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pg_tviews_verify' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.pg_tviews_verify(regclass) IS
    'number of rows of a TVIEW that differ from its definition (0 when consistent)';

CREATE VIEW @extschema@.pg_tviews_metadata AS
SELECT t.tview,
       c.relowner::regrole AS owner,
       t.populated,
       t.sources,
       t.definition,
       t.settings AS pinned_settings
  FROM tviews.tview t
  JOIN pg_catalog.pg_class c ON c.oid = t.tview::oid;
COMMENT ON VIEW @extschema@.pg_tviews_metadata IS 'one row per TVIEW: its definition and sources';
GRANT SELECT ON @extschema@.pg_tviews_metadata TO PUBLIC;

GRANT USAGE ON SCHEMA tviews TO PUBLIC;
GRANT SELECT ON tviews.tview TO PUBLIC;

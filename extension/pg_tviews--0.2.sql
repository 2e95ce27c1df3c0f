-- pg_tviews 0.2: the schema, the catalog and the table access method of TVIEWs.
-- A fresh install. Databases created under 0.1 reach the same objects with
-- ALTER EXTENSION pg_tviews UPDATE (pg_tviews--0.1--0.2.sql).
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
    populated  boolean NOT NULL,      -- false after WITH NO DATA until pg_tviews_refresh
    attached   boolean NOT NULL DEFAULT true  -- false while a TVIEW loaded from a dump waits for
                                      -- the keys of its sources (see docs/operations.md)
);
COMMENT ON TABLE tviews.tview IS 'pg_tviews catalog: one row per TVIEW';
SELECT pg_catalog.pg_extension_config_dump('tviews.tview', '');

-- Loading a dump (pg_tviews.restore_mode = on): each catalog row loaded attaches its TVIEW to
-- the sources of this database (triggers, dependencies, query tree). See docs/operations.md.
CREATE FUNCTION tviews.restore_tview() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pg_tviews_restore_tview' LANGUAGE C;
CREATE TRIGGER restore_tview BEFORE INSERT ON tviews.tview
    FOR EACH ROW EXECUTE FUNCTION tviews.restore_tview();


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
       t.attached,
       t.sources,
       t.definition,
       t.settings AS pinned_settings
  FROM tviews.tview t
  JOIN pg_catalog.pg_class c ON c.oid = t.tview::oid;
COMMENT ON VIEW @extschema@.pg_tviews_metadata IS 'one row per TVIEW: its definition and sources';
GRANT SELECT ON @extschema@.pg_tviews_metadata TO PUBLIC;

CREATE FUNCTION @extschema@.pg_tviews_alter(tview regclass, query text) RETURNS void
    AS 'MODULE_PATHNAME', 'pg_tviews_alter' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.pg_tviews_alter(regclass, text) IS
    'gives a TVIEW a new defining query with the same columns and key, keeping its name, indexes, grants and readers; rebuilds its rows (owner only)';

CREATE FUNCTION @extschema@.pg_tviews_reattach(tview regclass DEFAULT NULL) RETURNS SETOF regclass
    AS 'MODULE_PATHNAME', 'pg_tviews_reattach' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.pg_tviews_reattach(regclass) IS
    'attaches a TVIEW (or every TVIEW the user owns) to its sources again from its stored definition: for after pg_upgrade';

CREATE FUNCTION @extschema@.pg_tviews_explain(tview regclass, format text DEFAULT 'text') RETURNS text
    AS 'MODULE_PATHNAME', 'pg_tviews_explain' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.pg_tviews_explain(regclass, text) IS
    'a TVIEW''s refresh plan and kernels (relations, join edges and keys, lineage, what each kernel patches or recomputes, its tier), in an EXPLAIN format: text, json, yaml or xml';

CREATE FUNCTION tviews.stats(
    OUT tview regclass, OUT statements bigint, OUT kernel_runs bigint,
    OUT rows_patched bigint, OUT rows_recomputed bigint, OUT rows_inserted bigint, OUT rows_deleted bigint,
    OUT maintenance_ms double precision, OUT runs_interpreted bigint, OUT runs_compiled bigint,
    OUT compiles bigint, OUT compile_ms double precision, OUT compile_failures bigint,
    OUT stats_reset timestamptz)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pg_tviews_stats' LANGUAGE C STRICT VOLATILE;

CREATE VIEW @extschema@.pg_tviews_stats AS
SELECT s.tview::oid AS relid,
       n.nspname AS schemaname,
       c.relname,
       s.statements, s.kernel_runs,
       s.rows_patched, s.rows_recomputed, s.rows_inserted, s.rows_deleted,
       s.maintenance_ms,
       s.runs_interpreted, s.runs_compiled,
       s.compiles, s.compile_ms, s.compile_failures,
       s.stats_reset
  FROM tviews.stats() s
  JOIN pg_catalog.pg_class c ON c.oid = s.tview::oid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace;
COMMENT ON VIEW @extschema@.pg_tviews_stats IS
    'maintenance of each TVIEW of this database since the server started or the last pg_tviews_stats_reset(), over all sessions: client statements and kernel runs that maintained it, TVIEW rows patched, recomputed, inserted and deleted, milliseconds spent (excluding the TVIEWs it cascades to), kernel runs per tier, compilations of its kernels (count, milliseconds, failures that left it interpreted)';
GRANT SELECT ON @extschema@.pg_tviews_stats TO PUBLIC;

CREATE FUNCTION @extschema@.pg_tviews_stats_reset(tview regclass DEFAULT NULL) RETURNS void
    AS 'MODULE_PATHNAME', 'pg_tviews_stats_reset' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.pg_tviews_stats_reset(regclass) IS
    'resets the pg_tviews_stats counters of one TVIEW, or of every TVIEW of this database (NULL)';
REVOKE EXECUTE ON FUNCTION @extschema@.pg_tviews_stats_reset(regclass) FROM PUBLIC;

GRANT USAGE ON SCHEMA tviews TO PUBLIC;
GRANT SELECT ON tviews.tview TO PUBLIC;

-- Since 0.2: every object of the extension says what it is (\dn+, \df+ tviews.*, \dx+).
COMMENT ON SCHEMA tviews IS 'pg_tviews internals: the catalog of TVIEWs and the functions behind them';
COMMENT ON FUNCTION tviews.require_preload() IS
    'fails unless pg_tviews is in shared_preload_libraries (run by CREATE EXTENSION)';
COMMENT ON FUNCTION tviews.tview_am_handler(internal) IS 'handler of the tview_am table access method';
COMMENT ON FUNCTION tviews.restore_tview() IS
    'attaches a TVIEW loaded from a dump to its sources (trigger on tviews.tview)';
COMMENT ON FUNCTION tviews.build_info() IS
    'the versions of pg_tviews, PostgreSQL and LLVM this library was built with';
COMMENT ON FUNCTION tviews.maintain() IS 'maintains a TVIEW from the changes of one of its sources';
COMMENT ON FUNCTION tviews.forget_dropped() IS 'removes the catalog rows of dropped TVIEWs';
COMMENT ON FUNCTION tviews.stats() IS 'the shared maintenance counters behind pg_tviews_stats';

-- pg_tviews 0.1 -> 0.2 (ALTER EXTENSION pg_tviews UPDATE TO '0.2').
-- TVIEWs, their rows, their catalog rows and their triggers stay as they are: 0.2's library
-- maintains TVIEWs created under 0.1 unchanged. What 0.2 adds to the extension's objects:
\echo Use "ALTER EXTENSION pg_tviews UPDATE TO '0.2'" to load this file. \quit

-- Every object of the extension says what it is (\dn+, \df+ tviews.*, \dx+).
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

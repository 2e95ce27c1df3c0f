-- The C++/PostgreSQL error boundary, through test-only probes (the pg_tviews_probes module).
-- Errors are shown with their SQLSTATE, detail and hint.
\set VERBOSITY default
CREATE FUNCTION test_throw(kind text, sqlstate text, message text) RETURNS void
    AS 'pg_tviews_probes', 'pg_tviews_test_throw' LANGUAGE C STRICT;
CREATE FUNCTION test_pg_error(input text) RETURNS int
    AS 'pg_tviews_probes', 'pg_tviews_test_pg_error' LANGUAGE C STRICT;
CREATE FUNCTION test_destructors_run() RETURNS bigint
    AS 'pg_tviews_probes', 'pg_tviews_test_destructors_run' LANGUAGE C STRICT;

SELECT pg_backend_pid() AS backend_before \gset
-- A C++ exception becomes an ERROR with its own SQLSTATE, detail and hint.
SELECT * FROM caught($$SELECT test_throw('tviews', '0A000', 'thrown from C++')$$);
SELECT * FROM caught($$SELECT test_throw('tviews', '22012', 'any SQLSTATE survives')$$);
SELECT * FROM caught($$SELECT test_throw('tviews', 'bad', 'x')$$);
-- Other C++ exceptions: out of memory keeps 53200, the rest are internal errors.
SELECT * FROM caught($$SELECT test_throw('bad_alloc', '', '')$$);
SELECT * FROM caught($$SELECT test_throw('runtime', '', 'std::runtime_error text')$$);
SELECT * FROM caught($$SELECT test_throw('other', '', '')$$);
-- The same, uncaught: an ordinary ERROR, and the session goes on.
SELECT test_throw('tviews', '0A000', 'uncaught C++ exception');
SELECT pg_backend_pid() = :backend_before AS same_backend;

-- An ERROR raised by PostgreSQL under live C++ objects: they are destroyed on the way out.
SELECT test_pg_error('42');
SELECT test_destructors_run() AS destructors_after_success;
SELECT test_pg_error('not a number');
SELECT test_destructors_run() AS destructors_after_error;
SELECT * FROM caught($$SELECT test_pg_error('4x')$$);
SELECT test_destructors_run() AS destructors_after_caught_error;

-- Inside a transaction that goes on after a savepoint rollback.
BEGIN;
SAVEPOINT s;
SELECT test_pg_error('nope');
ROLLBACK TO SAVEPOINT s;
SELECT test_pg_error('7') AS after_rollback_to_savepoint;
COMMIT;
SELECT test_destructors_run() AS destructors_total;

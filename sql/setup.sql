-- Shared helpers for the regression suite (runs first; later files rely on it).

-- caught(sql): runs a statement and reports the error it raised, as SQL sees it: SQLSTATE,
-- message, detail and hint ('none' when it succeeded). Used to check every refusal.
CREATE FUNCTION caught(sql text) RETURNS TABLE (code text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN QUERY SELECT 'none'::text, ''::text, ''::text, ''::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN NEXT;
END $$;

-- oracle(tv, q): the contract's oracle for TVIEW tv with the test's own copy q of its defining
-- query (same column order): the number of rows in which tv and q differ, as a multiset. 0 means
-- the TVIEW equals its definition as this transaction sees it.
CREATE FUNCTION oracle(tv regclass, q text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((TABLE %s EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL TABLE %s)) d',
                   tv, q, q, tv) INTO n;
    RETURN n;
END $$;

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

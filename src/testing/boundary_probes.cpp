// boundary_probes.cpp: SQL-callable probes that exercise the C++/PostgreSQL error boundary.
//
// Regime: entry points (guarded). These are not part of the extension: they are built into a
// module of their own, pg_tviews_probes, that only test builds make and only the test suites
// stage (never installed); the regression suite declares them itself (CREATE FUNCTION ... AS
// 'pg_tviews_probes', 'pg_tviews_test_...'). They show that
//  - a C++ exception thrown inside the extension becomes an ERROR with its SQLSTATE, detail and
//    hint, and the backend survives;
//  - an ERROR raised by PostgreSQL under C++ code runs the destructors of the C++ objects it
//    unwinds.
#include "boundary/guard.hpp"
#include "core/error.hpp"

extern "C" {
#include "utils/builtins.h"
}

extern "C" {
PG_MODULE_MAGIC;
}

#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

int64 destructors_run = 0;

// Counts its own destruction; lives across the PostgreSQL call that raises.
class Sentinel {
public:
    ~Sentinel() { destructors_run++; }
};

}  // namespace

// pg_tviews_test_throw(kind text, sqlstate text, message text) returns void
//   kind: 'tviews' (tviews::Error with the given SQLSTATE), 'runtime' (std::runtime_error),
//   'bad_alloc', 'other' (a thrown int).
TVIEWS_FUNCTION(pg_tviews_test_throw) {
    std::string kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
    std::string code = text_to_cstring(PG_GETARG_TEXT_PP(1));
    std::string message = text_to_cstring(PG_GETARG_TEXT_PP(2));
    std::vector<std::string> owned(3, message);  // something with a destructor on the way out
    if (kind == "tviews") {
        tviews::SqlState state = tviews::sqlstate::kInternalError;
        if (!tviews::SqlState::Parse(code, &state))
            throw tviews::Error(tviews::sqlstate::kInvalidParameterValue, "invalid SQLSTATE \"" + code + "\"",
                                "A SQLSTATE is five digits or upper-case letters.");
        throw tviews::Error(state, message, "detail from C++", "hint from C++");
    }
    if (kind == "runtime") throw std::runtime_error(message);
    if (kind == "bad_alloc") throw std::bad_alloc();
    if (kind == "other") throw 42;
    throw tviews::Error(tviews::sqlstate::kInvalidParameterValue, "unknown exception kind \"" + kind + "\"", "",
                        "Use tviews, runtime, bad_alloc or other.");
}

// pg_tviews_test_pg_error(input text) returns int: parses input with int4in under live C++
// objects; invalid input raises PostgreSQL's own 22P02 error from inside C++ code.
TVIEWS_FUNCTION(pg_tviews_test_pg_error) {
    Sentinel outer;
    std::string input = text_to_cstring(PG_GETARG_TEXT_PP(0));
    Sentinel inner;
    Datum value = tviews::pg::Call(DirectFunctionCall1Coll, int4in, InvalidOid, CStringGetDatum(input.c_str()));
    PG_RETURN_DATUM(value);
}

// pg_tviews_test_destructors_run() returns bigint: how many Sentinels this backend destroyed.
TVIEWS_FUNCTION(pg_tviews_test_destructors_run) { PG_RETURN_INT64(destructors_run); }

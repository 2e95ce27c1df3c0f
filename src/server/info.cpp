// info.cpp: tviews.build_info(), what this pg_tviews was built from (for bug reports).
//
// Regime: entry point (guarded).
#include "boundary/guard.hpp"
#include "jit/llvm_info.hpp"

extern "C" {
#include "utils/builtins.h"
}

#include <string>

#ifndef PG_TVIEWS_VERSION
#define PG_TVIEWS_VERSION "unknown"
#endif

TVIEWS_FUNCTION(pg_tviews_build_info) {
    std::string info = std::string("pg_tviews ") + PG_TVIEWS_VERSION + " for PostgreSQL " PG_MAJORVERSION +
                       ", LLVM " + tviews::jit::LlvmVersion() + ", " + tviews::jit::HostTriple();
    PG_RETURN_TEXT_P(tviews::pg::Call(cstring_to_text, info.c_str()));
}

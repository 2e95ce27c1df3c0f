// pg_base.hpp: the server's base headers as C++ needs them; PostgreSQL-side files include
// boundary/pg.hpp, which adds the version boundary (compat.hpp) to this.
//
// Regime: PostgreSQL side. Include this (through pg.hpp) first, before any C++ standard header:
// port.h renames snprintf and friends, and libstdc++'s <cstdio> undoes that only when it comes
// after. Further server headers go inside their own extern "C" block in the including file.
#pragma once

#include <type_traits>

// g++ has no __builtin_types_compatible_p in C++; the server headers use it in static asserts.
#ifndef __builtin_types_compatible_p
#define __builtin_types_compatible_p(a, b) (std::is_same_v<a, b>)
#endif

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

// PG15 leaves PGDLLEXPORT empty on ELF; with -fvisibility=hidden the symbols the server looks up
// (Pg_magic_func, _PG_init, pg_finfo_*, SQL-callable functions) must be exported explicitly.
#undef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))

// Declares a SQL-callable C function whose body is C++: the exported symbol is a single guarded
// call (see guard.hpp) into NAME_impl, which may throw tviews::Error or pg errors freely.
#define TVIEWS_FUNCTION(name)                                                   \
    static Datum name##_impl(PG_FUNCTION_ARGS);                                 \
    extern "C" {                                                                \
    PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                   \
    PGDLLEXPORT const Pg_finfo_record *pg_finfo_##name(void);                   \
    const Pg_finfo_record *pg_finfo_##name(void) {                              \
        static const Pg_finfo_record my_finfo = {1};                            \
        return &my_finfo;                                                       \
    }                                                                           \
    Datum name(PG_FUNCTION_ARGS) {                                              \
        return tviews::pg::Guarded([&]() -> Datum { return name##_impl(fcinfo); }); \
    }                                                                           \
    }                                                                           \
    static Datum name##_impl(PG_FUNCTION_ARGS)

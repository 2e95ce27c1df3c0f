// module.cpp: loading the library: PG_MODULE_MAGIC, _PG_init, every setting (GUC) pg_tviews
// defines, and the check that pg_tviews was preloaded.
//
// Regime: entry points (guarded) and PostgreSQL side. pg_tviews must be in
// shared_preload_libraries: its utility hook has to exist before the first
// CREATE TABLE ... USING tview_am AS SELECT of any session, and lazily loading the library from
// the access method handler would be too late for that statement.
#include "server/module.hpp"

#include "am/tview_am.hpp"
#include "boundary/guard.hpp"
#include "core/error.hpp"
#include "runtime/maintain.hpp"
#include "runtime/stats.hpp"
#include "runtime/tiers.hpp"
#include "runtime/tview_cache.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"
}

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

namespace tviews::server {

namespace {
bool preloaded = false;

void DefineSettings() {
    DefineCustomBoolVariable(
        "pg_tviews.restore_mode", "Lets this session write rows of TVIEWs directly (for pg_restore).",
        "Only for loading a dump: rows written in restore mode are not checked against the TVIEW's definition.",
        &am::restore_mode, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_tviews.jit", "Runs TVIEW refresh kernels as native code compiled with LLVM.",
                             "Off: every kernel runs in the interpreter (the results are the same).",
                             &runtime::jit_enabled, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.jit_threshold",
                            "Runs of a refresh kernel in a backend before the TVIEW's kernels are compiled.",
                            "0 compiles them before their first run.", &runtime::jit_threshold, 100, 0, INT_MAX,
                            PGC_USERSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("pg_tviews");
}
}  // namespace

bool Preloaded() { return preloaded; }

void Init() {
    preloaded = process_shared_preload_libraries_in_progress;
    DefineSettings();
    runtime::RegisterScopeReset();
    runtime::RegisterCacheInvalidation();
    if (preloaded) {
        InstallHooks();
        runtime::RequestStatsSharedMemory();
    }
}

}  // namespace tviews::server

void _PG_init(void) { tviews::pg::Guarded([] { tviews::server::Init(); }); }

// tviews.require_preload(): the first statement of the extension script.
TVIEWS_FUNCTION(pg_tviews_require_preload) {
    if (!tviews::server::Preloaded())
        throw tviews::Error(tviews::sqlstate::kObjectNotInPrerequisiteState,
                            "pg_tviews must be loaded via shared_preload_libraries",
                            "The library was loaded on demand by this session, too late to watch the statements that "
                            "create and maintain TVIEWs.",
                            "Add pg_tviews to shared_preload_libraries in postgresql.conf "
                            "(ALTER SYSTEM SET shared_preload_libraries = 'pg_tviews') and restart the server.");
    PG_RETURN_VOID();
}

// tview_cache.hpp: the per-backend cache of compiled TVIEWs.
//
// Regime: C++ at the interface (GetCompiledTview throws tviews::Error when a TVIEW can no longer
// be compiled), PostgreSQL side inside. Entries are built on first use by compile.cpp and dropped
// by relcache invalidation of the TVIEW or any of its sources.
#pragma once

#include "runtime/compiled_tview.hpp"

namespace tviews::runtime {

// The compiled TVIEW, built on first use (or after invalidation); nullptr if `tview` is not a
// TVIEW (no catalog row). Throws tviews::Error if it cannot be compiled. The pointer stays valid
// until the end of the transaction even if the entry is invalidated meanwhile (a kernel running
// when DDL inside it invalidates its TVIEW keeps reading the old form).
CompiledTview *GetCompiledTview(Oid tview);

void RegisterCacheInvalidation();

}  // namespace tviews::runtime

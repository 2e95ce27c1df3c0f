// kernel.hpp: the refresh kernels: one statement's changes of one source, applied to one TVIEW.
//
// Regime: PostgreSQL side, C-style (may ereport; no C++ objects). This is the interpreted tier:
// it walks the CompiledTview per change. See kernel.cpp for the algorithm.
#pragma once

#include "runtime/tview_cache.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

namespace tviews::runtime {

enum class ChangeKind { kInsert, kUpdate, kDelete };

// `oldtab`/`newtab` are the statement's transition tables (nullptr when the event has none).
void RunKernel(CompiledTview *tv, Oid source, ChangeKind kind, Tuplestorestate *oldtab, Tuplestorestate *newtab);

}  // namespace tviews::runtime

// kernel.hpp: running a kernel: one statement's changes of one source, applied to one TVIEW.
//
// Regime: PostgreSQL side, C-style (may ereport; no C++ objects). A kernel is (TVIEW, source,
// kind of change): what pg_tviews_kernels() and EXPLAIN list. See kernel.cpp for the algorithm.
#pragma once

#include "runtime/compiled_tview.hpp"
#include "runtime/row_access.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

namespace tviews::runtime {

// Runs the kernel (tv, source, kind) on a statement's transition tables (`oldtab`/`newtab`,
// nullptr when the event has none), inside the TVIEW's maintenance scope. The rows it writes are
// added to `written` (nullptr: no TVIEW reads this one).
void RunKernel(CompiledTview *tv, Oid source, ChangeKind kind, Tuplestorestate *oldtab, Tuplestorestate *newtab,
               WrittenRows *written);

}  // namespace tviews::runtime

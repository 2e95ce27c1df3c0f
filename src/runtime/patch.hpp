// patch.hpp: what a changed source row means for one TVIEW row it reaches, when the row is patched
// rather than recomputed.
//
// Regime: PostgreSQL side, plain data. Built by the kernel while classifying a statement's
// changes, read when the patch is applied (kernel.cpp) and by counters (counters.cpp).
#pragma once

#include "runtime/compiled_tview.hpp"

extern "C" {
#include "access/htup.h"
#include "nodes/pg_list.h"
}

namespace tviews::runtime {

struct Patch {
    int node;
    HeapTuple tuple;     // the new version of the changed row (nullptr: a row aggregated by a subquery)
    Bitmapset *changed;  // its changed attnos (0: every leaf reading the row)
    // Rows aggregated by a subquery (nodes with counters only): the row this change adds to the
    // parent's aggregate and the one it takes away (an update in place: both).
    HeapTuple added;
    HeapTuple removed;
};

}  // namespace tviews::runtime

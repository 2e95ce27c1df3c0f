// counters.hpp: counts and integer sums of child rows maintained from the change.
//
// Regime: PostgreSQL side, C-style. A counter leaf (CompiledCounter) stands for a subquery
// `(SELECT count(*) | count(c.x) | sum(c.x) FROM child c WHERE c.fk = r.key)`, bare or in
// COALESCE(..., 0): its new value is its value in the TVIEW row plus what the changed child rows
// add and take away, instead of running the subquery.
#pragma once

#include "runtime/patch.hpp"

extern "C" {
#include "access/tupdesc.h"
#include "executor/tuptable.h"
}

namespace tviews::runtime {

// The counter's new value in the TVIEW row `current` (its latest version, deformed) after the
// patches (Patch *) of one statement, none of which reaches the leaf through another node;
// `child` describes the counted rows. False when it cannot be known from the change: a removal
// that may leave a sum NULL, an overflow, no current value, or a current value this transaction
// wrote. The subquery runs instead.
bool CounterFromChange(const CompiledLeaf &leaf, TupleDesc child, List *patches, TupleTableSlot *current, Datum *value,
                       bool *isnull);

}  // namespace tviews::runtime

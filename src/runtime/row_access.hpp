// row_access.hpp: finding, locking and writing rows for the kernels.
//
// Regime: PostgreSQL side, C-style (may ereport; no C++ objects).
//
// The concurrency rules of tview-semantics.md live here:
//  - Rows are found through indexes with a dirty snapshot and waiting for the transaction that
//    is inserting, updating or deleting them (rule 3), or with the latest snapshot where the
//    changing transaction's own row lock already orders things (see kernel.cpp).
//  - A TVIEW row is locked (exclusively) at its latest version before it is patched (rule 1);
//    source rows whose values are copied into a TVIEW row are share-locked (rule 2).
//  - Under REPEATABLE READ and SERIALIZABLE, a row version the transaction's snapshot cannot see,
//    or a visible one that changed underneath it, is a serialization failure (40001).
#pragma once

#include "runtime/tview_cache.hpp"

extern "C" {
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "nodes/lockoptions.h"
#include "utils/rel.h"
}

namespace tviews::runtime {

// The snapshot kLatest scans read with: a kernel takes one per step (and again before each
// retry) instead of one per lookup. Returns the previous one, to restore when the step ends.
Snapshot UseLatestSnapshot(Snapshot snapshot);

enum class Visibility {
    kDirtyWait,  // see in-progress changes of others and wait for them to end
    kLatest,     // the latest committed state (plus our own changes), as of the kernel's snapshot
};

// Calls visit(slot, arg) for every row of `rel` whose index columns equal `values` (positions
// per key->value_of_column); stops early when visit returns false. Returns the number visited.
int ScanIndex(Relation rel, Relation index, const IndexKey *key, const Datum *values, Visibility visibility,
              TupleTableSlot *slot, bool (*visit)(TupleTableSlot *, void *), void *arg);

// Finds the one row with these key values and, unless it is our own transaction's row, locks
// it with `mode` (LockTupleShare for sources, LockTupleExclusive for TVIEW rows). Returns false if
// there is none. Retries on concurrent change under READ COMMITTED; raises 40001 under
// REPEATABLE READ / SERIALIZABLE.
bool FindAndLock(Relation rel, Relation index, const IndexKey *key, const Datum *values, LockTupleMode mode,
                 TupleTableSlot *slot);

// Finds the latest version of the one row with these key values (a dirty snapshot, waiting for
// in-progress writers) without locking it: the caller updates or deletes it with wait, and on
// a concurrent change (UpdateResult::kRetry) finds it again. Under REPEATABLE READ /
// SERIALIZABLE, a version the snapshot cannot see, or a row deleted underneath it, raises 40001.
bool FindLatest(Relation rel, Relation index, const IndexKey *key, const Datum *values, TupleTableSlot *slot);

// Raises 40001 when the transaction uses its snapshot for every statement; otherwise returns.
void RetryOrSerializationFailure(Relation rel);

}  // namespace tviews::runtime

// row_access.hpp: finding, locking and writing rows for the kernels.
//
// Regime: PostgreSQL side, C-style (may ereport; no C++ objects).
//
// The concurrency rules of docs/semantics.md live here:
//  - Rows are found through indexes with a dirty snapshot and waiting for the transaction that
//    is inserting, updating or deleting them (rule 3), or with the latest snapshot where the
//    changing transaction's own row lock already orders things (see kernel.cpp).
//  - A TVIEW row is locked (exclusively) at its latest version before it is patched (rule 1);
//    source rows whose values are copied into a TVIEW row are share-locked (rule 2).
//  - Under REPEATABLE READ and SERIALIZABLE, a row version the transaction's snapshot cannot see,
//    or a visible one that changed underneath it, is a serialization failure (40001).
#pragma once

#include "runtime/compiled_tview.hpp"

extern "C" {
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "nodes/lockoptions.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
}

namespace tviews::runtime {

enum class Visibility {
    kDirtyWait,  // see in-progress changes of others and wait for them to end
    kLatest,     // the latest committed state (plus our own changes), as of the `latest` snapshot
};

// Calls visit(slot, arg) for every row of `rel` whose index columns equal `values` (positions
// per key->value_of_column); stops early when visit returns false. Returns the number visited.
// kLatest scans read with `latest`, a snapshot the kernel takes once per step (and again before
// each retry) instead of one per lookup.
int ScanIndex(Relation rel, Relation index, const IndexKey *key, const Datum *values, Visibility visibility,
              Snapshot latest, TupleTableSlot *slot, bool (*visit)(TupleTableSlot *, void *), void *arg);

// Finds the one row with these key values and, unless it is our own transaction's row, locks
// it with `mode` (LockTupleShare for sources, LockTupleExclusive for TVIEW rows). Returns false if
// there is none. Retries on concurrent change under READ COMMITTED; raises 40001 under
// REPEATABLE READ / SERIALIZABLE.
bool FindAndLock(Relation rel, Relation index, const IndexKey *key, const Datum *values, LockTupleMode mode,
                 TupleTableSlot *slot);

// Finds the latest version of the one row with these key values (as of `latest`, or with a dirty
// snapshot waiting for in-progress writers) without locking it: the caller updates or deletes it
// with wait, and when that reports a concurrent change (WriteUpdate or WriteDelete returns false)
// finds it again. Under REPEATABLE READ / SERIALIZABLE, a version the snapshot cannot see, or a
// row deleted underneath it, raises 40001.
bool FindLatest(Relation rel, Relation index, const IndexKey *key, const Datum *values, Snapshot latest,
                TupleTableSlot *slot);

// The rows a kernel run wrote to its TVIEW, for the TVIEWs that read it (a cascade): transition
// tables as a source statement's trigger gets them. All nullptr: nobody reads the TVIEW.
struct WrittenRows {
    Tuplestorestate *inserted;
    Tuplestorestate *deleted;
    Tuplestorestate *updated_old;
    Tuplestorestate *updated_new;
};

// Writes the rows of one TVIEW through the executor's row path (indexes, HOT, constraints) inside
// an engine-write window of tview_am, recording them in `written` when it is not nullptr.
struct TviewWriter {
    Relation rel;
    Relation key_index;        // the unique index on the TVIEW's key
    TupleTableSlot *current;   // the version FindLatest found: what WriteUpdate/WriteDelete replace
    TupleTableSlot *proposed;  // the new version being written
    EState *estate;
    ResultRelInfo *rri;
    WrittenRows *written;
};

void OpenTviewWriter(TviewWriter *w, Oid tview, Oid key_index, WrittenRows *written);
void CloseTviewWriter(TviewWriter *w);

// Whether `values` equal the current version, bytes for bytes (TOASTed and compressed copies of
// the same document are equal): then nothing is written.
bool SameAsCurrent(TviewWriter *w, const Datum *values, const bool *nulls);
void WriteInsert(TviewWriter *w, const Datum *values, const bool *nulls);
// Rule 1 without a separate row lock: false when the current version changed underneath us (READ
// COMMITTED): the caller finds the latest version and applies its change to it again.
bool WriteUpdate(TviewWriter *w, const Datum *values, const bool *nulls);
bool WriteDelete(TviewWriter *w);

}  // namespace tviews::runtime

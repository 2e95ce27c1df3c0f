// row_access.cpp: see row_access.hpp.
//
// Regime: PostgreSQL side, C-style.
#include "runtime/row_access.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/xact.h"
#include "storage/lmgr.h"
#include "utils/snapmgr.h"
}

namespace tviews::runtime {

namespace {

Snapshot kernel_latest = nullptr;

void BuildScanKeys(const IndexKey *key, const Datum *values, ScanKeyData *skey) {
    for (int i = 0; i < key->nkeys; i++)
        ScanKeyEntryInitialize(&skey[i], 0, static_cast<AttrNumber>(i + 1), BTEqualStrategyNumber, InvalidOid,
                               key->collations[i], key->eq_procs[i], values[key->value_of_column[i]]);
}

bool StopAtFirst(TupleTableSlot *, void *) { return false; }

bool OwnRow(TupleTableSlot *slot) {
    bool isnull;
    Datum xmin = slot_getsysattr(slot, MinTransactionIdAttributeNumber, &isnull);
    return !isnull && TransactionIdIsCurrentTransactionId(DatumGetTransactionId(xmin));
}

[[noreturn]] void SerializationFailure(Relation rel) {
    ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                    errmsg("could not serialize access due to concurrent update"),
                    errdetail("A row of \"%s\" that pg_tviews maintenance reads or writes was changed by a concurrent "
                              "transaction.",
                              RelationGetRelationName(rel))));
}

// Under REPEATABLE READ: the version we are about to use must be the one our snapshot sees.
void CheckSnapshotSees(Relation rel, TupleTableSlot *slot) {
    if (!IsolationUsesXactSnapshot() || OwnRow(slot)) return;
    bool isnull;
    Datum xmin = slot_getsysattr(slot, MinTransactionIdAttributeNumber, &isnull);
    if (!isnull && XidInMVCCSnapshot(DatumGetTransactionId(xmin), GetTransactionSnapshot())) SerializationFailure(rel);
}

// Under REPEATABLE READ: a row gone at the latest state that our snapshot still sees was deleted
// underneath us.
void CheckNotDeletedUnderneath(Relation rel, Relation index, const IndexKey *key, const Datum *values,
                               TupleTableSlot *slot) {
    if (!IsolationUsesXactSnapshot()) return;
    ScanKeyData skey[INDEX_MAX_KEYS];
    BuildScanKeys(key, values, skey);
    IndexScanDesc scan = pg::BeginIndexScan(rel, index, GetTransactionSnapshot(), key->nkeys, 0);
    index_rescan(scan, skey, key->nkeys, nullptr, 0);
    bool seen = index_getnext_slot(scan, ForwardScanDirection, slot);
    index_endscan(scan);
    if (seen) SerializationFailure(rel);
}

}  // namespace

Snapshot UseLatestSnapshot(Snapshot snapshot) {
    Snapshot previous = kernel_latest;
    kernel_latest = snapshot;
    return previous;
}

int ScanIndex(Relation rel, Relation index, const IndexKey *key, const Datum *values, Visibility visibility,
              TupleTableSlot *slot, bool (*visit)(TupleTableSlot *, void *), void *arg) {
    ScanKeyData skey[INDEX_MAX_KEYS];
    BuildScanKeys(key, values, skey);
    for (;;) {
        SnapshotData dirty;
        Snapshot snapshot;
        if (visibility == Visibility::kDirtyWait) {
            InitDirtySnapshot(dirty);
            snapshot = &dirty;
        } else {
            snapshot = kernel_latest != nullptr ? kernel_latest : GetLatestSnapshot();
        }
        IndexScanDesc scan = pg::BeginIndexScan(rel, index, snapshot, key->nkeys, 0);
        index_rescan(scan, skey, key->nkeys, nullptr, 0);
        int found = 0;
        TransactionId wait_for = InvalidTransactionId;
        while (index_getnext_slot(scan, ForwardScanDirection, slot)) {
            if (visibility == Visibility::kDirtyWait) {
                wait_for = TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;
                if (TransactionIdIsValid(wait_for)) break;
            }
            found++;
            if (!visit(slot, arg)) break;
        }
        index_endscan(scan);
        if (!TransactionIdIsValid(wait_for)) return found;
        XactLockTableWait(wait_for, nullptr, nullptr, XLTW_None);
    }
}

void RetryOrSerializationFailure(Relation rel) {
    if (IsolationUsesXactSnapshot()) SerializationFailure(rel);
}

bool FindLatest(Relation rel, Relation index, const IndexKey *key, const Datum *values, TupleTableSlot *slot) {
    // The latest committed version first: an MVCC scan lets the index skip (and mark) dead
    // entries, which a dirty scan cannot. An in-progress writer of that version makes the
    // caller's update wait and retry; only a row we do not see needs the dirty scan, which
    // waits for an in-progress inserter.
    if (ScanIndex(rel, index, key, values, Visibility::kLatest, slot, StopAtFirst, nullptr) > 0) {
        CheckSnapshotSees(rel, slot);
        return true;
    }
    if (ScanIndex(rel, index, key, values, Visibility::kDirtyWait, slot, StopAtFirst, nullptr) == 0) {
        CheckNotDeletedUnderneath(rel, index, key, values, slot);
        return false;
    }
    CheckSnapshotSees(rel, slot);
    return true;
}

bool FindAndLock(Relation rel, Relation index, const IndexKey *key, const Datum *values, LockTupleMode mode,
                 TupleTableSlot *slot) {
    for (;;) {
        if (ScanIndex(rel, index, key, values, Visibility::kDirtyWait, slot, StopAtFirst, nullptr) == 0) {
            CheckNotDeletedUnderneath(rel, index, key, values, slot);
            return false;
        }
        if (OwnRow(slot)) return true;  // our own insert or update already holds it
        TM_FailureData tmfd;
        PushActiveSnapshot(GetLatestSnapshot());
        TM_Result result = table_tuple_lock(rel, &slot->tts_tid, GetActiveSnapshot(), slot, GetCurrentCommandId(false),
                                            mode, LockWaitBlock, 0, &tmfd);
        PopActiveSnapshot();
        switch (result) {
            case TM_Ok:
                CheckSnapshotSees(rel, slot);
                return true;
            case TM_Updated:
            case TM_Deleted:
                if (IsolationUsesXactSnapshot()) SerializationFailure(rel);
                continue;  // READ COMMITTED: find the new version (or its absence) again
            case TM_SelfModified:
                elog(ERROR, "pg_tviews: a row of \"%s\" was changed twice by one command",
                     RelationGetRelationName(rel));
            case TM_Invisible:
                elog(ERROR, "pg_tviews attempted to lock an invisible row of \"%s\"", RelationGetRelationName(rel));
            default:
                elog(ERROR, "unexpected result %d locking a row of \"%s\"", static_cast<int>(result),
                     RelationGetRelationName(rel));
        }
    }
}

}  // namespace tviews::runtime

// row_access.cpp: see row_access.hpp.
//
// Regime: PostgreSQL side, C-style.
#include "runtime/row_access.hpp"

#include "am/tview_am.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/datum.h"
#include "utils/snapmgr.h"
}

namespace tviews::runtime {

namespace {

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

int ScanIndex(Relation rel, Relation index, const IndexKey *key, const Datum *values, Visibility visibility,
              Snapshot latest, TupleTableSlot *slot, bool (*visit)(TupleTableSlot *, void *), void *arg) {
    ScanKeyData skey[INDEX_MAX_KEYS];
    BuildScanKeys(key, values, skey);
    for (;;) {
        SnapshotData dirty;
        Snapshot snapshot;
        if (visibility == Visibility::kDirtyWait) {
            InitDirtySnapshot(dirty);
            snapshot = &dirty;
        } else {
            snapshot = latest != nullptr ? latest : GetLatestSnapshot();
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

bool FindLatest(Relation rel, Relation index, const IndexKey *key, const Datum *values, Snapshot latest,
                TupleTableSlot *slot) {
    // The latest committed version first: an MVCC scan lets the index skip (and mark) dead
    // entries, which a dirty scan cannot. An in-progress writer of that version makes the
    // caller's update wait and retry; only a row we do not see needs the dirty scan, which
    // waits for an in-progress inserter.
    if (ScanIndex(rel, index, key, values, Visibility::kLatest, latest, slot, StopAtFirst, nullptr) > 0) {
        CheckSnapshotSees(rel, slot);
        return true;
    }
    if (ScanIndex(rel, index, key, values, Visibility::kDirtyWait, nullptr, slot, StopAtFirst, nullptr) == 0) {
        CheckNotDeletedUnderneath(rel, index, key, values, slot);
        return false;
    }
    CheckSnapshotSees(rel, slot);
    return true;
}

bool FindAndLock(Relation rel, Relation index, const IndexKey *key, const Datum *values, LockTupleMode mode,
                 TupleTableSlot *slot) {
    for (;;) {
        if (ScanIndex(rel, index, key, values, Visibility::kDirtyWait, nullptr, slot, StopAtFirst, nullptr) == 0) {
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

/* ------------------------------------------------------------------------
 * Writing TVIEW rows.
 * ------------------------------------------------------------------------ */

namespace {

void StoreProposed(TviewWriter *w, const Datum *values, const bool *nulls) {
    TupleTableSlot *slot = w->proposed;
    ExecClearTuple(slot);
    int natts = slot->tts_tupleDescriptor->natts;
    for (int i = 0; i < natts; i++) {
        slot->tts_values[i] = values[i];
        slot->tts_isnull[i] = nulls[i];
    }
    ExecStoreVirtualTuple(slot);
}

// Whether an update or delete of the current version went through; false (READ COMMITTED) when
// it changed underneath us, 40001 under REPEATABLE READ / SERIALIZABLE.
bool Written(TM_Result result, Relation rel, const char *what) {
    switch (result) {
        case TM_Ok: return true;
        case TM_Updated:
        case TM_Deleted:
            if (IsolationUsesXactSnapshot()) SerializationFailure(rel);
            return false;
        case TM_SelfModified:
            elog(ERROR, "pg_tviews: a row of \"%s\" was changed twice by one command", RelationGetRelationName(rel));
        default:
            elog(ERROR, "pg_tviews: unexpected result %d %s a row of \"%s\"", static_cast<int>(result), what,
                 RelationGetRelationName(rel));
    }
}

}  // namespace

void OpenTviewWriter(TviewWriter *w, Oid tview, Oid key_index, WrittenRows *written) {
    w->rel = table_open(tview, RowExclusiveLock);
    w->key_index = index_open(key_index, RowExclusiveLock);
    w->current = table_slot_create(w->rel, nullptr);
    w->proposed = MakeSingleTupleTableSlot(RelationGetDescr(w->rel), &TTSOpsVirtual);
    w->written = written;
    EState *estate = CreateExecutorState();
    RangeTblEntry *rte = makeNode(RangeTblEntry);
    rte->rtekind = RTE_RELATION;
    rte->relid = tview;
    rte->relkind = RELKIND_RELATION;
    rte->rellockmode = RowExclusiveLock;
    pg::InitRangeTable(estate, rte);
    estate->es_output_cid = GetCurrentCommandId(true);
    estate->es_snapshot = GetActiveSnapshot();
    w->rri = makeNode(ResultRelInfo);
    InitResultRelInfo(w->rri, w->rel, 1, nullptr, 0);
    ExecOpenIndices(w->rri, false);
    w->estate = estate;
}

void CloseTviewWriter(TviewWriter *w) {
    ExecCloseIndices(w->rri);
    ExecResetTupleTable(w->estate->es_tupleTable, false);
    FreeExecutorState(w->estate);
    ExecDropSingleTupleTableSlot(w->current);
    ExecDropSingleTupleTableSlot(w->proposed);
    index_close(w->key_index, NoLock);
    table_close(w->rel, NoLock);
}

bool SameAsCurrent(TviewWriter *w, const Datum *values, const bool *nulls) {
    TupleTableSlot *old = w->current;
    TupleDesc desc = old->tts_tupleDescriptor;
    slot_getallattrs(old);
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        if (old->tts_isnull[i] != nulls[i]) return false;
        if (nulls[i]) continue;
        if (datumIsEqual(old->tts_values[i], values[i], att->attbyval, att->attlen)) continue;
        // Same value, different representation (a TOASTed or compressed copy of the same document)?
        if (att->attlen == -1) {
            struct varlena *a = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(old->tts_values[i])));
            struct varlena *b = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(values[i])));
            if (VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
                memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0)
                continue;
        }
        return false;
    }
    return true;
}

void WriteInsert(TviewWriter *w, const Datum *values, const bool *nulls) {
    StoreProposed(w, values, nulls);
    bool window = am::SetEngineWrites(true);
    ExecSimpleRelationInsert(w->rri, w->estate, w->proposed);
    am::SetEngineWrites(window);
    if (w->written != nullptr) tuplestore_puttupleslot(w->written->inserted, w->proposed);
}

bool WriteUpdate(TviewWriter *w, const Datum *values, const bool *nulls) {
    StoreProposed(w, values, nulls);
    Relation rel = w->rel;
    if (rel->rd_att->constr != nullptr) ExecConstraints(w->rri, w->proposed, w->estate);
    CheckCmdReplicaIdentity(rel, CMD_UPDATE);
    TM_FailureData tmfd;
    LockTupleMode lockmode;
    pg::UpdateIndexes update_indexes;
    bool window = am::SetEngineWrites(true);
    TM_Result result = table_tuple_update(rel, &w->current->tts_tid, w->proposed, w->estate->es_output_cid,
                                          w->estate->es_snapshot, InvalidSnapshot, true, &tmfd, &lockmode,
                                          &update_indexes);
    am::SetEngineWrites(window);
    if (!Written(result, rel, "updating")) return false;
    if (pg::IndexesNeedUpdate(update_indexes) && w->rri->ri_NumIndices > 0)
        pg::InsertIndexTuplesAfterUpdate(w->rri, w->proposed, w->estate, update_indexes);
    if (w->written != nullptr) {
        tuplestore_puttupleslot(w->written->updated_old, w->current);
        tuplestore_puttupleslot(w->written->updated_new, w->proposed);
    }
    return true;
}

bool WriteDelete(TviewWriter *w) {
    Relation rel = w->rel;
    CheckCmdReplicaIdentity(rel, CMD_DELETE);
    TM_FailureData tmfd;
    bool window = am::SetEngineWrites(true);
    TM_Result result = table_tuple_delete(rel, &w->current->tts_tid, w->estate->es_output_cid,
                                          w->estate->es_snapshot, InvalidSnapshot, true, &tmfd, false);
    am::SetEngineWrites(window);
    if (!Written(result, rel, "deleting")) return false;
    if (w->written != nullptr) tuplestore_puttupleslot(w->written->deleted, w->current);
    return true;
}

}  // namespace tviews::runtime

// tview_am.cpp: the TableAmRoutine of tview_am, a copy of heap's with a few overrides.
//
// Regime: PostgreSQL side (may ereport; owns no C++ objects). The overrides, grouped like the
// routine's fields:
//  - tuple writes (insert, speculative insert, multi-insert, update, delete) are refused unless
//    the write policy allows them (the engine, TVIEW creation, or restore mode);
//  - TOAST tables are plain heap (heap's default would give them tview_am);
//  - index builds and validation run heap's own scans, which insist that the relation's
//    routine is heap's: we lend them heap's routine for the duration of the call.
#include "am/tview_am.hpp"

#include "boundary/guard.hpp"

extern "C" {
#include "access/heapam.h"
#include "catalog/pg_am_d.h"
}

namespace {

TableAmRoutine tview_routine;

const TableAmRoutine *Heap() { return GetHeapamTableAmRoutine(); }

void CheckWrite(Relation rel) {
    if (!tviews::am::WritesAllowed(rel)) tviews::am::RefuseWrite(RelationGetRelationName(rel));
}

/* ------------------------------------------------------------------------
 * Manipulations of physical tuples.
 * ------------------------------------------------------------------------ */

void tview_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid, int options, BulkInsertStateData *bistate) {
    CheckWrite(rel);
    Heap()->tuple_insert(rel, slot, cid, options, bistate);
}

void tview_tuple_insert_speculative(Relation rel, TupleTableSlot *slot, CommandId cid, int options,
                                    BulkInsertStateData *bistate, uint32 spec_token) {
    CheckWrite(rel);
    Heap()->tuple_insert_speculative(rel, slot, cid, options, bistate, spec_token);
}

void tview_multi_insert(Relation rel, TupleTableSlot **slots, int nslots, CommandId cid, int options,
                        BulkInsertStateData *bistate) {
    CheckWrite(rel);
    Heap()->multi_insert(rel, slots, nslots, cid, options, bistate);
}

TM_Result tview_tuple_delete(Relation rel, ItemPointer tid, CommandId cid, Snapshot snapshot, Snapshot crosscheck,
                             bool wait, TM_FailureData *tmfd, bool changing_part) {
    CheckWrite(rel);
    return Heap()->tuple_delete(rel, tid, cid, snapshot, crosscheck, wait, tmfd, changing_part);
}

TM_Result tview_tuple_update(Relation rel, ItemPointer otid, TupleTableSlot *slot, CommandId cid, Snapshot snapshot,
                             Snapshot crosscheck, bool wait, TM_FailureData *tmfd, LockTupleMode *lockmode,
                             tviews::pg::UpdateIndexes *update_indexes) {
    CheckWrite(rel);
    return Heap()->tuple_update(rel, otid, slot, cid, snapshot, crosscheck, wait, tmfd, lockmode, update_indexes);
}

/* ------------------------------------------------------------------------
 * Index builds: heap's scans with heap's routine lent to the relation.
 * ------------------------------------------------------------------------ */

double tview_index_build_range_scan(Relation table_rel, Relation index_rel, IndexInfo *index_info, bool allow_sync,
                                    bool anyvisible, bool progress, BlockNumber start_blockno, BlockNumber numblocks,
                                    IndexBuildCallback callback, void *callback_state, TableScanDesc scan) {
    const TableAmRoutine *own = table_rel->rd_tableam;
    double tuples = 0;
    table_rel->rd_tableam = Heap();
    PG_TRY();
    {
        tuples = Heap()->index_build_range_scan(table_rel, index_rel, index_info, allow_sync, anyvisible, progress,
                                                start_blockno, numblocks, callback, callback_state, scan);
    }
    PG_FINALLY();
    {
        table_rel->rd_tableam = own;
    }
    PG_END_TRY();
    return tuples;
}

void tview_index_validate_scan(Relation table_rel, Relation index_rel, IndexInfo *index_info, Snapshot snapshot,
                               ValidateIndexState *state) {
    const TableAmRoutine *own = table_rel->rd_tableam;
    table_rel->rd_tableam = Heap();
    PG_TRY();
    {
        Heap()->index_validate_scan(table_rel, index_rel, index_info, snapshot, state);
    }
    PG_FINALLY();
    {
        table_rel->rd_tableam = own;
    }
    PG_END_TRY();
}

/* ------------------------------------------------------------------------
 * Miscellaneous.
 * ------------------------------------------------------------------------ */

Oid tview_relation_toast_am(Relation rel) { return HEAP_TABLE_AM_OID; }

const TableAmRoutine *BuildRoutine() {
    if (tview_routine.type != T_TableAmRoutine) {
        tview_routine = *Heap();
        tview_routine.tuple_insert = tview_tuple_insert;
        tview_routine.tuple_insert_speculative = tview_tuple_insert_speculative;
        tview_routine.multi_insert = tview_multi_insert;
        tview_routine.tuple_delete = tview_tuple_delete;
        tview_routine.tuple_update = tview_tuple_update;
        tview_routine.index_build_range_scan = tview_index_build_range_scan;
        tview_routine.index_validate_scan = tview_index_validate_scan;
        tview_routine.relation_toast_am = tview_relation_toast_am;
    }
    return &tview_routine;
}

}  // namespace

namespace tviews::am {

const TableAmRoutine *TviewRoutine() { return BuildRoutine(); }

}  // namespace tviews::am

// CREATE ACCESS METHOD tview_am TYPE TABLE HANDLER tviews.tview_am_handler
TVIEWS_FUNCTION(tview_am_handler) { PG_RETURN_POINTER(tviews::am::TviewRoutine()); }

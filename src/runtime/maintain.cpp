// maintain.cpp: the maintenance trigger, cascades, and the maintenance scope (see maintain.hpp).
//
// Regime: entry point (tviews.maintain(), guarded) over PostgreSQL-side C-style code. The
// trigger is installed on every source table of a TVIEW, once per event, with the TVIEW's OID
// as argument. TRUNCATE of a source rebuilds the TVIEW; other events run the kernel (TVIEW,
// source, kind of change) on the statement's transition tables, then hand the rows it wrote to
// the kernels of the TVIEWs that read this one.
#include "runtime/maintain.hpp"

#include "am/tview_am.hpp"
#include "boundary/guard.hpp"
#include "catalog/catalog.hpp"
#include "definition/settings.hpp"
#include "runtime/kernel.hpp"
#include "runtime/refresh.hpp"
#include "runtime/tview_cache.hpp"

extern "C" {
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace tviews::runtime {

namespace {

/* ------------------------------------------------------------------------
 * The scope.
 * ------------------------------------------------------------------------ */

struct Scope {
    SubTransactionId subid;  // the subtransaction it was opened in
    bool owner;              // the role and settings were switched
    Oid saved_user;
    int saved_sec_context;
    int guc_level;
    bool saved_engine_writes;  // tview_am's windows when the scope opened
    bool saved_creation;
};

Scope *scopes = nullptr;
int nscopes = 0;
int capscopes = 0;

Scope *Push() {
    if (nscopes == capscopes) {
        capscopes = capscopes == 0 ? 8 : capscopes * 2;
        scopes = static_cast<Scope *>(scopes == nullptr ? MemoryContextAlloc(TopMemoryContext, sizeof(Scope) * capscopes)
                                                        : repalloc(scopes, sizeof(Scope) * capscopes));
    }
    Scope *s = &scopes[nscopes++];
    s->subid = GetCurrentSubTransactionId();
    s->owner = false;
    s->saved_engine_writes = am::SetEngineWrites(false);
    s->saved_creation = am::SetTviewCreation(false);
    return s;
}

// Forgets the scopes from `depth` up, restoring tview_am's windows to what they were when the
// scope at `depth` opened. `undo`: also restore the role and settings (a normal leave; after an
// abort the server has already restored them).
void PopTo(int depth, bool undo) {
    while (nscopes > depth) {
        Scope *s = &scopes[--nscopes];
        if (undo && s->owner) {
            AtEOXact_GUC(false, s->guc_level);
            SetUserIdAndSecContext(s->saved_user, s->saved_sec_context);
        }
        am::SetEngineWrites(s->saved_engine_writes);
        am::SetTviewCreation(s->saved_creation);
    }
}

void ResetOnXactEnd(XactEvent event, void *) {
    // No scope outlives its transaction; one left open by an error is gone with it.
    if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_COMMIT ||
        event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PREPARE) {
        PopTo(0, false);
        am::SetEngineWrites(false);
        am::SetTviewCreation(false);
    }
}

void ResetOnSubAbort(SubXactEvent event, SubTransactionId subid, SubTransactionId, void *) {
    // Only the scopes opened inside the aborted subtransaction (or inside ones it contained) end.
    if (event != SUBXACT_EVENT_ABORT_SUB) return;
    int depth = nscopes;
    while (depth > 0 && scopes[depth - 1].subid >= subid) depth--;
    PopTo(depth, false);
}

/* ------------------------------------------------------------------------
 * Maintenance of one statement.
 * ------------------------------------------------------------------------ */

void BeginWritten(WrittenRows *written) {
    written->inserted = tuplestore_begin_heap(false, false, work_mem);
    written->deleted = tuplestore_begin_heap(false, false, work_mem);
    written->updated_old = tuplestore_begin_heap(false, false, work_mem);
    written->updated_new = tuplestore_begin_heap(false, false, work_mem);
}

void EndWritten(WrittenRows *written) {
    tuplestore_end(written->inserted);
    tuplestore_end(written->deleted);
    tuplestore_end(written->updated_old);
    tuplestore_end(written->updated_new);
}

}  // namespace

int EnterScope(Oid owner, const char *settings) {
    int token = nscopes;
    Scope *s = Push();
    GetUserIdAndSecContext(&s->saved_user, &s->saved_sec_context);
    SetUserIdAndSecContext(owner, s->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    s->owner = true;
    s->guc_level = definition::ApplyPinnedSettings(settings);
    return token;
}

int EnterCreationScope() {
    int token = nscopes;
    Push();
    am::SetTviewCreation(true);
    return token;
}

void LeaveScope(int token) { PopTo(token, true); }

void RegisterScopeReset() {
    RegisterXactCallback(ResetOnXactEnd, nullptr);
    RegisterSubXactCallback(ResetOnSubAbort, nullptr);
}

void Maintain(CompiledTview *tv, Oid source, ChangeKind kind, Tuplestorestate *oldtab, Tuplestorestate *newtab) {
    WrittenRows written = {};
    bool cascades = tv->ndependents > 0;
    if (cascades) BeginWritten(&written);
    int scope = EnterScope(tv->owner, tv->settings);
    RunKernel(tv, source, kind, oldtab, newtab, cascades ? &written : nullptr);
    LeaveScope(scope);
    // The TVIEWs reading this one get its written rows as if from a source's transition tables.
    for (int i = 0; i < tv->ndependents; i++) {
        CompiledTview *dependent = GetCompiledTview(tv->dependents[i]);
        if (dependent == nullptr || !dependent->populated) continue;
        if (tuplestore_tuple_count(written.deleted) > 0)
            Maintain(dependent, tv->tview, ChangeKind::kDelete, written.deleted, nullptr);
        if (tuplestore_tuple_count(written.updated_old) > 0)
            Maintain(dependent, tv->tview, ChangeKind::kUpdate, written.updated_old, written.updated_new);
        if (tuplestore_tuple_count(written.inserted) > 0)
            Maintain(dependent, tv->tview, ChangeKind::kInsert, nullptr, written.inserted);
    }
    if (cascades) EndWritten(&written);
}

namespace {

// The TVIEW reads every column of `relid`, including ones added after it was created: dropping
// any of them needs CASCADE.
void RecordWholeRowDependencies(Oid tview, Oid relid) {
    Relation rel = table_open(relid, AccessShareLock);
    TupleDesc desc = RelationGetDescr(rel);
    ObjectAddress dependent;
    ObjectAddressSet(dependent, RelationRelationId, tview);
    for (int a = 1; a <= desc->natts; a++) {
        if (TupleDescAttr(desc, a - 1)->attisdropped) continue;
        ObjectAddress referenced;
        ObjectAddressSubSet(referenced, RelationRelationId, relid, a);
        recordDependencyOn(&dependent, &referenced, DEPENDENCY_NORMAL);
    }
    table_close(rel, AccessShareLock);
}

}  // namespace

void RefreshWholeRowReaders(Oid relid) {
    List *tviews = catalog::AllTviews();
    ListCell *lc;
    foreach (lc, tviews) {
        // Only TVIEWs reading `relid` (they cannot be dropped while we hold its lock).
        catalog::TviewRow *row = catalog::ReadTview(lfirst_oid(lc));
        bool reads = false;
        for (int i = 0; row != nullptr && i < row->nsources; i++) reads |= row->sources[i] == relid;
        if (!reads) continue;
        CompiledTview *tv = GetCompiledTview(lfirst_oid(lc));
        if (tv == nullptr || !tv->populated) continue;
        bool whole_row = false;
        for (int n = 0; n < tv->nnodes; n++)
            whole_row |= tv->nodes[n].relid == relid && bms_is_member(0, tv->nodes[n].used);
        if (!whole_row) continue;
        int scope = EnterScope(tv->owner, tv->settings);
        FullRefresh(tv->tview, tv->definition);
        LeaveScope(scope);
        RecordWholeRowDependencies(tv->tview, relid);
    }
}


namespace {

// The body of tviews.maintain(): C-style, except that building the compiled TVIEW (first use
// in a backend) runs the planner, which reports errors as C++ exceptions to the guard.
Datum MaintainTrigger(FunctionCallInfo fcinfo) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("tviews.maintain() may only be called as a trigger")));
    auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
    if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
        trigdata->tg_trigger->tgnargs != 1)
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("tviews.maintain() must be an AFTER ... FOR EACH STATEMENT trigger with one argument")));
    // Loading a dump (pg_tviews.restore_mode): the TVIEW's rows come from the same dump as the
    // sources' rows; maintenance stands aside.
    if (am::restore_mode) return PointerGetDatum(nullptr);
    Oid tview = static_cast<Oid>(strtoul(trigdata->tg_trigger->tgargs[0], nullptr, 10));
    CompiledTview *tv = GetCompiledTview(tview);
    if (tv == nullptr || !tv->populated) return PointerGetDatum(nullptr);
    if (tv->privilege_error != nullptr)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied to maintain TVIEW %s", tv->name),
                        errdetail("Its owner may no longer read %s, which the TVIEW reads.", tv->privilege_error),
                        errhint("Grant SELECT back to the TVIEW's owner, or drop the TVIEW.")));

    Oid source = RelationGetRelid(trigdata->tg_relation);
    TriggerEvent event = trigdata->tg_event;
    if (TRIGGER_FIRED_BY_TRUNCATE(event)) {
        int scope = EnterScope(tv->owner, tv->settings);
        FullRefresh(tview, tv->definition);
        LeaveScope(scope);
    } else if (TRIGGER_FIRED_BY_INSERT(event)) {
        Maintain(tv, source, ChangeKind::kInsert, nullptr, trigdata->tg_newtable);
    } else if (TRIGGER_FIRED_BY_UPDATE(event)) {
        Maintain(tv, source, ChangeKind::kUpdate, trigdata->tg_oldtable, trigdata->tg_newtable);
    } else if (TRIGGER_FIRED_BY_DELETE(event)) {
        Maintain(tv, source, ChangeKind::kDelete, trigdata->tg_oldtable, nullptr);
    }
    return PointerGetDatum(nullptr);
}

}  // namespace

}  // namespace tviews::runtime

TVIEWS_FUNCTION(pg_tviews_maintain) { return tviews::runtime::MaintainTrigger(fcinfo); }

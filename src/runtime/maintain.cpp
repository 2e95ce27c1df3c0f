// maintain.cpp: the trigger that maintains TVIEWs, the owner context, refresh and verify.
//
// Regime: entry point (tviews.maintain(), guarded) over PostgreSQL-side C-style code. The
// trigger is installed on every source table of a TVIEW, once per event, with the TVIEW's OID
// as argument. TRUNCATE of a source rebuilds the TVIEW; other events run the kernel on the
// statement's transition tables. Whole-TVIEW operations use SPI: they are DDL-like, not the
// write path.
#include "runtime/maintain.hpp"

#include "am/tview_am.hpp"
#include "boundary/guard.hpp"
#include "catalog/catalog.hpp"
#include "definition/settings.hpp"
#include "runtime/kernel.hpp"

extern "C" {
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace tviews::runtime {

void EnterOwnerContext(Oid owner, const char *settings, OwnerContext *ctx) {
    GetUserIdAndSecContext(&ctx->saved_user, &ctx->saved_sec_context);
    SetUserIdAndSecContext(owner, ctx->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE |
                                      SECURITY_RESTRICTED_OPERATION);
    ctx->guc_level = definition::ApplyPinnedSettings(settings);
}

void LeaveOwnerContext(OwnerContext *ctx) {
    AtEOXact_GUC(false, ctx->guc_level);
    SetUserIdAndSecContext(ctx->saved_user, ctx->saved_sec_context);
}

namespace {

char *QualifiedName(Oid relid) {
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

void Execute(const char *sql, int expected) {
    int rc = SPI_execute(sql, false, 0);
    if (rc != expected) elog(ERROR, "pg_tviews: SPI_execute returned %d for: %s", rc, sql);
}

}  // namespace

void FullRefresh(Oid tview, const char *definition) {
    char *name = QualifiedName(tview);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    am::BeginEngineWrite();
    Execute(psprintf("DELETE FROM %s", name), SPI_OK_DELETE);
    Execute(psprintf("INSERT INTO %s %s", name, definition), SPI_OK_INSERT);
    am::EndEngineWrite();
    SPI_finish();
}

int64 CountDifferences(Oid tview, const char *definition) {
    char *name = QualifiedName(tview);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    char *sql = psprintf("SELECT count(*) FROM ((TABLE %s EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL TABLE %s)) d", name,
                         definition, definition, name);
    Execute(sql, SPI_OK_SELECT);
    bool isnull;
    int64 count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    SPI_finish();
    return count;
}

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
        OwnerContext owner;
        EnterOwnerContext(tv->owner, tv->settings, &owner);
        FullRefresh(tv->tview, tv->definition);
        LeaveOwnerContext(&owner);
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

    OwnerContext owner;
    EnterOwnerContext(tv->owner, tv->settings, &owner);
    EnterKernels();
    Oid source = RelationGetRelid(trigdata->tg_relation);
    TriggerEvent event = trigdata->tg_event;
    if (TRIGGER_FIRED_BY_TRUNCATE(event)) {
        FullRefresh(tview, tv->definition);
    } else if (TRIGGER_FIRED_BY_INSERT(event)) {
        RunKernel(tv, source, ChangeKind::kInsert, nullptr, trigdata->tg_newtable);
    } else if (TRIGGER_FIRED_BY_UPDATE(event)) {
        RunKernel(tv, source, ChangeKind::kUpdate, trigdata->tg_oldtable, trigdata->tg_newtable);
    } else if (TRIGGER_FIRED_BY_DELETE(event)) {
        RunKernel(tv, source, ChangeKind::kDelete, trigdata->tg_oldtable, nullptr);
    }
    LeaveKernels();
    LeaveOwnerContext(&owner);
    return PointerGetDatum(nullptr);
}

}  // namespace

}  // namespace tviews::runtime

TVIEWS_FUNCTION(pg_tviews_maintain) { return tviews::runtime::MaintainTrigger(fcinfo); }

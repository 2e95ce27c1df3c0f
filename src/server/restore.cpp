// restore.cpp: TVIEWs brought back by pg_dump / pg_restore and pg_upgrade.
//
// Regime: entry points (guarded) over C++ orchestration (definition/create.cpp does the work).
// A dump holds a TVIEW as a table stored by tview_am, its rows, its indexes, and its row in the
// extension's catalog tviews.tview (a configuration table: pg_dump dumps its rows). What it does
// not hold: the internal triggers on the sources (internal triggers are never dumped), the
// dependencies, and valid OIDs in the stored query tree. Loading a dump therefore runs with
// pg_tviews.restore_mode = on (PGOPTIONS='-c pg_tviews.restore_mode=on' for pg_restore or psql):
// the TVIEW tables may be created and loaded, maintenance stands aside while sources and TVIEWs
// are loaded from the same snapshot, and each catalog row loaded attaches its TVIEW again
// (tviews.restore_tview(), a BEFORE INSERT trigger on the catalog). The catalog's rows come
// before the dump's constraints, and a definition may need the sources' unique keys to be
// maintainable: a TVIEW that cannot be attached yet stays `attached = false` and is tried again
// after every utility statement of a restore-mode session (each try in a subtransaction) until
// the keys exist. After pg_upgrade, which keeps neither the internal triggers nor the OIDs of
// functions, pg_tviews_reattach() does the same for existing TVIEWs.
#include "am/tview_am.hpp"
#include "boundary/guard.hpp"
#include "catalog/catalog.hpp"
#include "core/error.hpp"
#include "definition/create.hpp"
#include "server/module.hpp"

#include <string>
#include <vector>

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"
}

namespace {

bool IsRowInsertTrigger(FunctionCallInfo fcinfo) {
    if (!CALLED_AS_TRIGGER(fcinfo)) return false;
    auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
    return TRIGGER_FIRED_BEFORE(trigdata->tg_event) && TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) &&
           TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
}

void RequireOwner(Oid tview) {
    if (!tviews::pg::OwnsClass(tview, GetUserId())) aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(tview));
}

void EmitReattached(FunctionCallInfo fcinfo, const Oid *tviews, int n) {
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    for (int i = 0; i < n; i++) {
        Datum v[1] = {ObjectIdGetDatum(tviews[i])};
        bool nulls[1] = {false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
    }
}

bool RelationExists(Oid relid) { return SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)); }


struct AttachArgs {
    Oid tview;
    const char *definition;
    const char *settings;
    char *query_tree;  // out
};

// C++ from C-style code: one guarded call (a failure becomes a PostgreSQL ERROR).
void AttachGuarded(AttachArgs *a) {
    tviews::pg::Guarded(
        [&] { a->query_tree = tviews::definition::ReattachTview(a->tview, a->definition, a->settings); });
}

// Attaches in a subtransaction: false (nothing changed) if the definition cannot be maintained
// yet, e.g. a source's unique key is not restored yet. C-style.
bool TryAttach(AttachArgs *a) {
    MemoryContext cxt = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    volatile bool ok = true;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(cxt);
    PG_TRY();
    {
        AttachGuarded(a);
        ReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(cxt);
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        ok = false;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(cxt);
    CurrentResourceOwner = owner;
    return ok;
}

}  // namespace

namespace tviews::server {

// After a utility statement of a restore-mode session: attach the TVIEWs still waiting. C-style.
void AttachRestoredTviews() {
    if (!am::restore_mode || !IsTransactionState()) return;
    bool snapshot = !ActiveSnapshotSet();
    if (snapshot) PushActiveSnapshot(GetTransactionSnapshot());
    List *detached = catalog::DetachedTviews();
    if (detached != NIL) {
        CommandCounterIncrement();
        ListCell *lc;
        foreach (lc, detached) {
            catalog::TviewRow *row = catalog::ReadTview(lfirst_oid(lc));
            if (row == nullptr) continue;
            AttachArgs a{row->tview, row->definition, row->settings, nullptr};
            if (TryAttach(&a)) catalog::SetAttached(row->tview, a.query_tree);
        }
    }
    if (snapshot) PopActiveSnapshot();
}

}  // namespace tviews::server

// tviews.restore_tview(): BEFORE INSERT FOR EACH ROW on tviews.tview. In restore mode, a catalog
// row being loaded re-attaches its TVIEW and gets the query tree of this database; otherwise the
// row is left alone (pg_tviews itself writes the catalog without firing triggers).
TVIEWS_FUNCTION(pg_tviews_restore_tview) {
    using namespace tviews;
    if (!IsRowInsertTrigger(fcinfo))
        throw Error(sqlstate::kTriggerProtocolViolated, "tviews.restore_tview() may only be called as a BEFORE INSERT FOR EACH ROW trigger");
    auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
    HeapTuple tuple = trigdata->tg_trigtuple;
    if (!am::restore_mode) return PointerGetDatum(tuple);
    TupleDesc desc = RelationGetDescr(trigdata->tg_relation);
    catalog::TviewRow *row = pg::Call(catalog::RowFromTuple, tuple, desc);
    AttachArgs a{row->tview, row->definition, row->settings, nullptr};
    bool attached = pg::Call(TryAttach, &a);
    return PointerGetDatum(pg::Call(catalog::WithAttachment, tuple, desc,
                                    static_cast<const char *>(attached ? a.query_tree : nullptr)));
}

// pg_tviews_reattach(tview regclass DEFAULT NULL): attaches one TVIEW (or every TVIEW of the
// database the user owns) to its sources again from its stored definition: missing triggers,
// dependencies, query tree. For after pg_upgrade; harmless otherwise. Returns the TVIEWs done.
TVIEWS_FUNCTION(pg_tviews_reattach) {
    using namespace tviews;
    std::vector<Oid> done;
    List *all = PG_ARGISNULL(0) ? pg::Call(catalog::AllTviews) : nullptr;
    int n = PG_ARGISNULL(0) ? pg::Call(list_length, static_cast<const List *>(all)) : 1;
    for (int i = 0; i < n; i++) {
        Oid tview = PG_ARGISNULL(0) ? pg::Call(list_nth_oid, static_cast<const List *>(all), i) : PG_GETARG_OID(0);
        catalog::TviewRow *row = pg::Call(catalog::ReadTview, tview);
        if (row == nullptr) {
            const char *name = pg::Call(get_rel_name, tview);
            throw Error(sqlstate::kWrongObjectType, "\"" + std::string(name != nullptr ? name : "?") + "\" is not a TVIEW",
                        "", "pg_tviews_reattach() works on tables created with CREATE TABLE ... USING tview_am AS SELECT.");
        }
        // (All of them: skip the ones dropped meanwhile and the ones owned by others.)
        if (PG_ARGISNULL(0) && (!pg::Call(RelationExists, tview) ||
                                !pg::Call(pg::OwnsClass, tview, pg::Call(GetUserId))))
            continue;
        pg::Call(RequireOwner, tview);
        char *query_tree = definition::ReattachTview(tview, row->definition, row->settings);
        pg::Call(catalog::SetAttached, tview, static_cast<const char *>(query_tree));
        done.push_back(tview);
    }
    pg::Call(EmitReattached, fcinfo, static_cast<const Oid *>(done.data()), static_cast<int>(done.size()));
    return static_cast<Datum>(0);
}

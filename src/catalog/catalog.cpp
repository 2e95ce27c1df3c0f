// catalog.cpp: see catalog.hpp.
//
// Regime: PostgreSQL side, C-style.
#include "catalog/catalog.hpp"

extern "C" {
#include "access/xact.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/syscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
}

namespace tviews::catalog {

namespace {

enum Attr {
    kTview = 1,
    kDefinition,
    kQueryTree,
    kSettings,
    kSources,
    kPopulated,
    kAttached,
    kNatts = kAttached,
};

Oid CatalogIndexRelid(Relation catalog) {
    Oid pk = pg::PrimaryKeyIndex(catalog);
    if (!OidIsValid(pk)) elog(ERROR, "pg_tviews catalog tviews.tview has no primary key");
    return pk;
}

Relation OpenCatalog(LOCKMODE lockmode) {
    Oid relid = CatalogRelid();
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("extension pg_tviews is not installed in this database"),
                        errhint("Run CREATE EXTENSION pg_tviews.")));
    return table_open(relid, lockmode);
}

// Finds the catalog tuple of `tview` (a copy), or nullptr.
HeapTuple FindTuple(Relation catalog, Oid tview) {
    ScanKeyData key;
    ScanKeyInit(&key, kTview, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(tview));
    SysScanDesc scan = systable_beginscan(catalog, CatalogIndexRelid(catalog), true, nullptr, 1, &key);
    HeapTuple tuple = systable_getnext(scan);
    if (HeapTupleIsValid(tuple)) tuple = heap_copytuple(tuple);
    systable_endscan(scan);
    return tuple;
}

}  // namespace

Oid CatalogRelid() {
    Oid nsp = get_namespace_oid("tviews", true);
    return OidIsValid(nsp) ? get_relname_relid("tview", nsp) : InvalidOid;
}

void InsertTview(const TviewRow *row) {
    Relation catalog = OpenCatalog(RowExclusiveLock);
    Datum values[kNatts];
    bool nulls[kNatts] = {};
    values[kTview - 1] = ObjectIdGetDatum(row->tview);
    values[kDefinition - 1] = CStringGetTextDatum(row->definition);
    values[kQueryTree - 1] = CStringGetTextDatum(row->query_tree);
    values[kSettings - 1] = CStringGetTextDatum(row->settings);
    Datum *sources = static_cast<Datum *>(palloc(sizeof(Datum) * (row->nsources + 1)));
    for (int i = 0; i < row->nsources; i++) sources[i] = ObjectIdGetDatum(row->sources[i]);
    values[kSources - 1] = PointerGetDatum(construct_array(sources, row->nsources, REGCLASSOID, sizeof(Oid), true,
                                                           TYPALIGN_INT));
    values[kPopulated - 1] = BoolGetDatum(row->populated);
    values[kAttached - 1] = BoolGetDatum(true);
    HeapTuple tuple = heap_form_tuple(RelationGetDescr(catalog), values, nulls);
    CatalogTupleInsert(catalog, tuple);
    table_close(catalog, RowExclusiveLock);
}

// OIDs of the TVIEWs of this database (only the detached ones if `detached_only`).
static List *TviewsWhere(bool detached_only) {
    Oid relid = CatalogRelid();
    if (!OidIsValid(relid)) return NIL;
    Relation catalog = table_open(relid, AccessShareLock);
    SysScanDesc scan = systable_beginscan(catalog, InvalidOid, false, nullptr, 0, nullptr);
    List *out = NIL;
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        bool isnull;
        if (detached_only) {
            Datum attached = heap_getattr(tuple, kAttached, RelationGetDescr(catalog), &isnull);
            if (!isnull && DatumGetBool(attached)) continue;
        }
        out = lappend_oid(out, DatumGetObjectId(heap_getattr(tuple, kTview, RelationGetDescr(catalog), &isnull)));
    }
    systable_endscan(scan);
    table_close(catalog, AccessShareLock);
    return out;
}

void ReplaceTview(const TviewRow *row) {
    Relation catalog = OpenCatalog(RowExclusiveLock);
    HeapTuple tuple = FindTuple(catalog, row->tview);
    if (tuple == nullptr) elog(ERROR, "relation %u is not a TVIEW", row->tview);
    CatalogTupleDelete(catalog, &tuple->t_self);
    table_close(catalog, RowExclusiveLock);
    CommandCounterIncrement();
    InsertTview(row);
}

TviewRow *ReadTview(Oid tview) {
    Oid relid = CatalogRelid();
    if (!OidIsValid(relid)) return nullptr;
    Relation catalog = table_open(relid, AccessShareLock);
    HeapTuple tuple = FindTuple(catalog, tview);
    if (tuple == nullptr) {
        table_close(catalog, AccessShareLock);
        return nullptr;
    }
    TviewRow *row = RowFromTuple(tuple, RelationGetDescr(catalog));
    table_close(catalog, AccessShareLock);
    return row;
}

HeapTuple WithAttachment(HeapTuple tuple, TupleDesc desc, const char *query_tree) {
    Datum values[kNatts] = {};
    bool nulls[kNatts] = {};
    bool replace[kNatts] = {};
    if (query_tree != nullptr) {
        values[kQueryTree - 1] = CStringGetTextDatum(query_tree);
        replace[kQueryTree - 1] = true;
    }
    values[kAttached - 1] = BoolGetDatum(query_tree != nullptr);
    replace[kAttached - 1] = true;
    return heap_modify_tuple(tuple, desc, values, nulls, replace);
}

List *DetachedTviews() { return TviewsWhere(true); }

TviewRow *RowFromTuple(HeapTuple tuple, TupleDesc desc) {
    Datum values[kNatts];
    bool nulls[kNatts];
    heap_deform_tuple(tuple, desc, values, nulls);
    auto *row = static_cast<TviewRow *>(palloc0(sizeof(TviewRow)));
    row->tview = DatumGetObjectId(values[kTview - 1]);
    row->definition = TextDatumGetCString(values[kDefinition - 1]);
    row->query_tree = TextDatumGetCString(values[kQueryTree - 1]);
    row->settings = TextDatumGetCString(values[kSettings - 1]);
    ArrayType *sources = DatumGetArrayTypeP(values[kSources - 1]);
    Datum *elems;
    int n;
    deconstruct_array(sources, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT, &elems, nullptr, &n);
    row->nsources = n;
    row->sources = static_cast<Oid *>(palloc(sizeof(Oid) * (n + 1)));
    for (int i = 0; i < n; i++) row->sources[i] = DatumGetObjectId(elems[i]);
    row->populated = DatumGetBool(values[kPopulated - 1]);
    row->attached = DatumGetBool(values[kAttached - 1]);
    return row;
}

void SetPopulated(Oid tview, bool populated) {
    Relation catalog = OpenCatalog(RowExclusiveLock);
    HeapTuple tuple = FindTuple(catalog, tview);
    if (tuple == nullptr) elog(ERROR, "relation %u is not a TVIEW", tview);
    Datum values[kNatts] = {};
    bool nulls[kNatts] = {};
    bool replace[kNatts] = {};
    values[kPopulated - 1] = BoolGetDatum(populated);
    replace[kPopulated - 1] = true;
    HeapTuple updated = heap_modify_tuple(tuple, RelationGetDescr(catalog), values, nulls, replace);
    CatalogTupleUpdate(catalog, &tuple->t_self, updated);
    table_close(catalog, RowExclusiveLock);
}

void SetAttached(Oid tview, const char *query_tree) {
    Relation catalog = OpenCatalog(RowExclusiveLock);
    HeapTuple tuple = FindTuple(catalog, tview);
    if (tuple == nullptr) elog(ERROR, "relation %u is not a TVIEW", tview);
    HeapTuple updated = WithAttachment(tuple, RelationGetDescr(catalog), query_tree);
    CatalogTupleUpdate(catalog, &tuple->t_self, updated);
    table_close(catalog, RowExclusiveLock);
}

char *DeparseQuery(Query *query) {
    int level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    char *text = pg_get_querydef(static_cast<Query *>(copyObject(query)), false);
    AtEOXact_GUC(true, level);
    return text;
}

char *CurrentDefinition(const char *query_tree) {
    return DeparseQuery(castNode(Query, stringToNode(query_tree)));
}

List *AllTviews() { return TviewsWhere(false); }

void RefreshStoredDefinitions() {
    Oid relid = CatalogRelid();
    if (!OidIsValid(relid)) return;
    Relation catalog = table_open(relid, RowExclusiveLock);
    TupleDesc desc = RelationGetDescr(catalog);
    SysScanDesc scan = systable_beginscan(catalog, InvalidOid, false, nullptr, 0, nullptr);
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        Datum values[kNatts];
        bool nulls[kNatts];
        heap_deform_tuple(tuple, desc, values, nulls);
        // A TVIEW being dropped by another session: wait for it, and skip it if it is gone.
        Oid tview = DatumGetObjectId(values[kTview - 1]);
        LockRelationOid(tview, AccessShareLock);
        if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(tview))) {
            UnlockRelationOid(tview, AccessShareLock);
            continue;
        }
        char *stored = TextDatumGetCString(values[kDefinition - 1]);
        char *current = CurrentDefinition(TextDatumGetCString(values[kQueryTree - 1]));
        if (strcmp(stored, current) == 0) continue;
        Datum new_values[kNatts] = {};
        bool new_nulls[kNatts] = {};
        bool replace[kNatts] = {};
        new_values[kDefinition - 1] = CStringGetTextDatum(current);
        replace[kDefinition - 1] = true;
        HeapTuple updated = heap_modify_tuple(tuple, desc, new_values, new_nulls, replace);
        CatalogTupleUpdate(catalog, &tuple->t_self, updated);
    }
    systable_endscan(scan);
    table_close(catalog, RowExclusiveLock);
}

}  // namespace tviews::catalog

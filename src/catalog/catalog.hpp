// catalog.hpp: the extension's catalog, tviews.tview: one row per TVIEW.
//
// Regime: PostgreSQL side, C-style (palloc'd data in and out; may ereport). C++ code that owns
// objects reaches these functions through pg::Call. The engine reads and writes the catalog
// directly (index scans and catalog-tuple inserts): no SPI, and no privileges on the catalog
// needed by whoever creates or maintains a TVIEW.
#pragma once

#include "boundary/pg.hpp"

extern "C" {
#include "access/htup.h"
#include "access/tupdesc.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
}

namespace tviews::catalog {

struct TviewRow {
    Oid tview;
    char *definition;   // canonical SQL, schema-qualified (for people, refresh and verify)
    char *query_tree;   // nodeToString of the analyzed defining query (what the engine loads)
    char *settings;     // "name=value" lines pinned for maintenance
    int nsources;
    Oid *sources;       // base tables the TVIEW reads
    bool populated;     // false after CREATE ... WITH NO DATA until the first refresh
    bool attached;      // false: loaded from a dump, not yet attached to its sources
};

// The catalog relation, or InvalidOid if the extension is not installed in this database.
Oid CatalogRelid();

void InsertTview(const TviewRow *row);
// Replaces the catalog row of row->tview (a new definition).
void ReplaceTview(const TviewRow *row);
// Returns nullptr if `tview` is not a TVIEW.
TviewRow *ReadTview(Oid tview);
void SetPopulated(Oid tview, bool populated);

// A catalog tuple as a TviewRow, and a copy of it attached with `query_tree` (or, nullptr,
// marked detached: the restore trigger).
TviewRow *RowFromTuple(HeapTuple tuple, TupleDesc desc);
HeapTuple WithAttachment(HeapTuple tuple, TupleDesc desc, const char *query_tree);

// Marks a TVIEW attached with a new query tree (after a restore or an upgrade).
void SetAttached(Oid tview, const char *query_tree);
// TVIEWs loaded from a dump and not attached yet.
List *DetachedTviews();

// The defining query as SQL, every name schema-qualified, from the stored query tree: it follows
// renames of the TVIEW's sources and their columns.
char *DeparseQuery(Query *query);
char *CurrentDefinition(const char *query_tree);

// OIDs of every TVIEW of this database.
List *AllTviews();

// Re-deparses the stored definition of every TVIEW whose text no longer matches its query tree
// (after renames), so that the catalog, pg_tviews_metadata and dumps show current names.
void RefreshStoredDefinitions();

}  // namespace tviews::catalog

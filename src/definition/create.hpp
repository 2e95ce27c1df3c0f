// create.hpp: turning CREATE TABLE ... USING tview_am AS SELECT into a maintained TVIEW.
//
// Regime: PostgreSQL side (C++ orchestration; PostgreSQL reached through pg::Call).
#pragma once

#include "boundary/pg.hpp"

extern "C" {
#include "nodes/parsenodes.h"
}

#include <functional>

namespace tviews::definition {

// Plans the definition (refusing what cannot be maintained, before anything is created), runs
// `create_table` (the standard CREATE TABLE AS), then installs what maintains the new table: the
// key index, the lookup indexes on the sources, the triggers, the dependencies and the catalog row.
// Everything happens in the creating transaction.
void CreateTview(CreateTableAsStmt *ctas, const std::function<void()> &create_table);

// Attaches an existing TVIEW table to its sources again from its definition text: after a dump
// is restored (the stored query tree holds the dumped database's OIDs, and the internal triggers
// are not dumped) or after pg_upgrade. Analyzes `definition` with the pinned `settings`, checks
// it is still maintainable, installs the triggers that are missing and the dependencies, and
// returns the new query tree (nodeToString) for the catalog. The table's rows are not touched.
char *ReattachTview(Oid tview, const char *definition, const char *settings);

// pg_tviews_alter(): a new defining query for an existing TVIEW, keeping the table (name, OID,
// indexes, grants, dependents). The new query must give the same columns (names and types, in
// order) and the same key. Replaces the triggers, dependencies, lookup indexes and catalog row;
// the caller refills the rows (pg_tviews_refresh).
void AlterTview(Oid tview, const char *sql);

}  // namespace tviews::definition

// maintain.hpp: running maintenance as the TVIEW's owner, and the whole-TVIEW operations.
//
// Regime: PostgreSQL side, C-style.
#pragma once

#include "runtime/tview_cache.hpp"

namespace tviews::runtime {

// Maintenance runs as the TVIEW's owner, as a security-restricted operation, with the settings
// pinned at creation and search_path = pg_catalog, pg_temp (as REFRESH MATERIALIZED VIEW does).
struct OwnerContext {
    Oid saved_user;
    int saved_sec_context;
    int guc_level;
};
void EnterOwnerContext(Oid owner, const char *settings, OwnerContext *ctx);
void LeaveOwnerContext(OwnerContext *ctx);

// Rebuilds the TVIEW from its definition (delete all rows, insert the query's): TRUNCATE of a
// source and pg_tviews_refresh(). Runs in the caller's owner context.
void FullRefresh(Oid tview, const char *definition);

// After a column was added to `relid`: rebuilds the TVIEWs that read whole rows of it (their
// definition now returns the new column in every row).
void RefreshWholeRowReaders(Oid relid);

// Rows of the TVIEW that differ from its definition (0 when consistent).
int64 CountDifferences(Oid tview, const char *definition);

}  // namespace tviews::runtime

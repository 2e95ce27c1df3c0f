// maintain.hpp: entering maintenance: the scope every write of a TVIEW by pg_tviews runs in, and
// the maintenance of one source statement with the cascades it causes.
//
// Regime: PostgreSQL side, C-style.
//
// A maintenance scope holds the state a kernel run, a refresh, a verify or a CREATE TABLE ... USING
// tview_am AS fill enters and must leave: the role (the TVIEW's owner, as a security-restricted
// operation), the pinned settings (a GUC nest level with search_path = pg_catalog, pg_temp, as
// REFRESH MATERIALIZED VIEW does), and tview_am's write windows. Scopes nest (a cascade enters the
// scope of each TVIEW it reaches). An error that ends a scope early is cleaned up by the
// (sub)transaction abort that follows it: a subtransaction abort closes exactly the scopes opened
// inside that subtransaction, so an expression that catches an error (a PL/pgSQL EXCEPTION block)
// leaves the enclosing scope open, and a transaction abort closes all of them. The server itself
// restores the role and the settings on abort; the scope restores tview_am's windows.
#pragma once

#include "runtime/compiled_tview.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

namespace tviews::runtime {

// Opens a scope as `owner` with `settings` pinned (catalog::TviewRow::settings). Returns a token
// for LeaveScope.
int EnterScope(Oid owner, const char *settings);
// Opens a scope in which CREATE TABLE ... USING tview_am AS SELECT fills its new table (the
// current role and settings stay).
int EnterCreationScope();
// Closes the scope `token` (and any left open inside it), restoring what it changed.
void LeaveScope(int token);

void RegisterScopeReset();  // _PG_init

// Maintains `tv` for one statement's change of `source` (its transition tables; nullptr where the
// event has none), then the TVIEWs that read `tv` with the rows it wrote, each in its own scope.
void Maintain(CompiledTview *tv, Oid source, ChangeKind kind, Tuplestorestate *oldtab, Tuplestorestate *newtab);

// After a column was added to `relid` (the utility hook): rebuilds the TVIEWs that read whole rows
// of it, whose definition now returns the new column in every row.
void RefreshWholeRowReaders(Oid relid);

}  // namespace tviews::runtime

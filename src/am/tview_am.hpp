// tview_am.hpp: the table access method that stores TVIEWs.
//
// Regime: PostgreSQL side. tview_am is heap underneath (pages, MVCC, TOAST, indexes, VACUUM,
// WAL: all the server's own); what it adds is that nobody but the pg_tviews engine writes rows,
// so a TVIEW can never drift from its defining query through a stray INSERT.
#pragma once

#include "boundary/pg.hpp"

extern "C" {
#include "access/tableam.h"
#include "utils/rel.h"
}

namespace tviews::am {

// The routine every tview_am relation points to (rd_tableam), for cheap identity checks.
const TableAmRoutine *TviewRoutine();

inline bool IsTview(Relation rel) { return rel->rd_tableam == TviewRoutine(); }

// Who may write rows: see write_policy.cpp.
bool WritesAllowed(Relation rel);
[[noreturn]] void RefuseWrite(const char *relname);

// Opens a window in which the engine writes TVIEW rows. Windows nest; a transaction abort
// closes all of them (so an error inside a window never leaves writes enabled).
void BeginEngineWrite();
void EndEngineWrite();

// Set while a CREATE TABLE ... USING tview_am AS SELECT populates its new table. Returns the
// previous value, for the caller to restore.
bool SetTviewCreation(bool creating);

// The superuser-only pg_tviews.restore_mode setting (lets pg_restore load TVIEW rows).
extern bool restore_mode;

void RegisterXactCallbacks();

}  // namespace tviews::am

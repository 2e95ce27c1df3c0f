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

// The windows in which writes are allowed: the engine writing TVIEW rows, and a
// CREATE TABLE ... USING tview_am AS SELECT populating its new table. Each setter returns the
// previous value for the caller to restore. Who restores them when an error ends a window
// early is the maintenance scope's job (runtime/maintain.hpp), which knows in which
// (sub)transaction each window opened.
bool SetEngineWrites(bool open);
bool SetTviewCreation(bool creating);

// The superuser-only pg_tviews.restore_mode setting (lets pg_restore load TVIEW rows).
extern bool restore_mode;

}  // namespace tviews::am

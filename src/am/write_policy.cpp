// write_policy.cpp: who may write the rows of a tview_am table, and the error everyone else gets.
//
// Regime: PostgreSQL side (may ereport; owns no C++ objects). A TVIEW's rows are a function of
// its defining query, so only three writers are legitimate:
//  - the pg_tviews engine, inside an engine-write window;
//  - CREATE TABLE ... USING tview_am AS SELECT, filling the table it has just created;
//  - a superuser's session with pg_tviews.restore_mode on (pg_restore loading a dump).
// The access method calls WritesAllowed() on every row write; the executor and utility hooks call
// it up front so users get the error before any work is done.
#include "am/tview_am.hpp"

extern "C" {
#include "utils/elog.h"
}

namespace tviews::am {

bool restore_mode = false;

namespace {

bool engine_writes = false;
bool creating_tview = false;

}  // namespace

bool WritesAllowed(Relation rel) {
    if (engine_writes || restore_mode) return true;
    // The table CREATE TABLE AS is filling was created by this very transaction.
    return creating_tview && rel->rd_createSubid != InvalidSubTransactionId;
}

void RefuseWrite(const char *relname) {
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("cannot write to TVIEW \"%s\"", relname),
                    errdetail("The rows of a TVIEW are maintained by pg_tviews from its defining query."),
                    errhint("Change the tables the TVIEW is defined over; pg_tviews keeps it up to date.")));
}

bool SetEngineWrites(bool open) {
    bool previous = engine_writes;
    engine_writes = open;
    return previous;
}

bool SetTviewCreation(bool creating) {
    bool previous = creating_tview;
    creating_tview = creating;
    return previous;
}

}  // namespace tviews::am

// hooks.cpp: the server hooks pg_tviews installs, and what each one is for.
//
// Regime: entry points (each hook is one guarded call) over C++ bodies that call back into
// PostgreSQL only through pg::Call.
//  - ProcessUtility: refuses DDL that would create a tview_am table without a defining query or
//    write one directly (COPY FROM, SET ACCESS METHOD), and opens the creation window in which
//    CREATE TABLE ... USING tview_am AS SELECT fills its new table.
//  - ExecutorStart: refuses INSERT/UPDATE/DELETE/MERGE on a TVIEW before any row is touched.
// The access method refuses the same writes row by row (see am/write_policy.cpp); the hooks only
// make the error come early and name the statement's target.
#include "server/module.hpp"

#include "am/tview_am.hpp"
#include "boundary/guard.hpp"
#include "catalog/catalog.hpp"
#include "core/error.hpp"
#include "definition/create.hpp"

extern "C" {
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

#include <cstring>
#include <string>

namespace tviews::server {

namespace {

constexpr const char *kAmName = "tview_am";

ProcessUtility_hook_type prev_process_utility = nullptr;
ExecutorStart_hook_type prev_executor_start = nullptr;

// The access method a CREATE TABLE names, or the session default when it names none.
bool NamesTviewAm(const char *access_method) {
    const char *am = access_method != nullptr ? access_method : default_table_access_method;
    return am != nullptr && std::strcmp(am, kAmName) == 0;
}

std::string Quoted(const RangeVar *rv) { return std::string("\"") + rv->relname + "\""; }

// Whether an existing relation is stored by tview_am (false if it does not exist).
bool IsTviewRelation(Oid relid) {
    if (!OidIsValid(relid)) return false;
    HeapTuple tuple = pg::Call(SearchSysCache1, RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) return false;
    Oid relam = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relam;
    pg::Call(ReleaseSysCache, tuple);
    if (!OidIsValid(relam)) return false;
    char *amname = pg::Call(get_am_name, relam);
    return amname != nullptr && std::strcmp(amname, kAmName) == 0;
}

[[noreturn]] void RefuseDirectWrite(const std::string &quoted_name) {
    throw Error(sqlstate::kWrongObjectType, "cannot write to TVIEW " + quoted_name,
                "The rows of a TVIEW are maintained by pg_tviews from its defining query.",
                "Change the tables the TVIEW is defined over; pg_tviews keeps it up to date.");
}

void CheckCreateTable(const CreateStmt *stmt) {
    if (!NamesTviewAm(stmt->accessMethod) || am::restore_mode) return;
    throw Error(sqlstate::kInvalidTableDefinition,
                "cannot create TVIEW " + Quoted(stmt->relation) + " without a defining query",
                "A table stored by tview_am is a TVIEW: its rows come from its defining query.",
                "Use CREATE TABLE " + std::string(stmt->relation->relname) + " USING tview_am AS SELECT ... instead.");
}

void CheckCreateTableAs(const CreateTableAsStmt *stmt) {
    if (stmt->objtype == OBJECT_MATVIEW && NamesTviewAm(stmt->into->accessMethod))
        throw Error(sqlstate::kFeatureNotSupported, "a materialized view cannot be stored by tview_am",
                    "Materialized view " + Quoted(stmt->into->rel) + " names access method tview_am.",
                    "Create a TVIEW: CREATE TABLE " + std::string(stmt->into->rel->relname) +
                        " USING tview_am AS SELECT ... instead.");
}

void CheckCopy(const CopyStmt *stmt) {
    if (!stmt->is_from || stmt->relation == nullptr || am::restore_mode) return;
    Oid relid = pg::Call(RangeVarGetRelidExtended, stmt->relation, NoLock, RVR_MISSING_OK, nullptr, nullptr);
    if (IsTviewRelation(relid)) RefuseDirectWrite(Quoted(stmt->relation));
}

// TRUNCATE of a maintained TVIEW would leave it empty while its sources are not.
void CheckTruncate(const TruncateStmt *stmt) {
    if (am::restore_mode) return;
    ListCell *lc;
    foreach (lc, stmt->relations) {
        auto *rv = static_cast<RangeVar *>(lfirst(lc));
        Oid relid = pg::Call(RangeVarGetRelidExtended, rv, NoLock, RVR_MISSING_OK, nullptr, nullptr);
        if (IsTviewRelation(relid) && pg::Call(catalog::ReadTview, relid) != nullptr)
            throw Error(sqlstate::kWrongObjectType, "cannot truncate TVIEW " + Quoted(rv),
                        "The rows of a TVIEW are maintained by pg_tviews from its defining query.",
                        "Truncate or delete from its source tables, or rebuild it with pg_tviews_refresh().");
    }
}

void CheckAlterTable(const AlterTableStmt *stmt) {
    ListCell *lc;
    foreach (lc, stmt->cmds) {
        auto *cmd = static_cast<AlterTableCmd *>(lfirst(lc));
        if (cmd->subtype != AT_SetAccessMethod) continue;
        Oid relid = pg::Call(RangeVarGetRelidExtended, stmt->relation, NoLock, RVR_MISSING_OK, nullptr, nullptr);
        bool to_tview = cmd->name != nullptr && std::strcmp(cmd->name, kAmName) == 0;
        if (to_tview || IsTviewRelation(relid))
            throw Error(sqlstate::kFeatureNotSupported,
                        "cannot change the access method of " + Quoted(stmt->relation) + (to_tview ? " to" : " from") +
                            " tview_am",
                        "A TVIEW is created from its defining query and stays one until it is dropped.",
                        to_tview ? "Create a TVIEW with CREATE TABLE ... USING tview_am AS SELECT ... instead."
                                 : "Create a plain table from it with CREATE TABLE ... AS TABLE " +
                                       std::string(stmt->relation->relname) + ".");
    }
}

// RAII: the window in which CREATE TABLE ... USING tview_am AS SELECT may fill its new table.
class TviewCreationWindow {
public:
    TviewCreationWindow() : previous_(am::SetTviewCreation(true)) {}
    ~TviewCreationWindow() { am::SetTviewCreation(previous_); }
    TviewCreationWindow(const TviewCreationWindow &) = delete;
    TviewCreationWindow &operator=(const TviewCreationWindow &) = delete;

private:
    bool previous_;
};

void ProcessUtilityBody(PlannedStmt *pstmt, const char *query_string, bool read_only_tree,
                        ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *query_env,
                        DestReceiver *dest, QueryCompletion *qc) {
    Node *stmt = pstmt->utilityStmt;
    bool creates_tview = false;
    switch (nodeTag(stmt)) {
        case T_CreateStmt: CheckCreateTable(castNode(CreateStmt, stmt)); break;
        case T_CreateTableAsStmt: {
            auto *ctas = castNode(CreateTableAsStmt, stmt);
            CheckCreateTableAs(ctas);
            creates_tview = ctas->objtype == OBJECT_TABLE && NamesTviewAm(ctas->into->accessMethod);
            break;
        }
        case T_CopyStmt: CheckCopy(castNode(CopyStmt, stmt)); break;
        case T_AlterTableStmt: CheckAlterTable(castNode(AlterTableStmt, stmt)); break;
        case T_TruncateStmt: CheckTruncate(castNode(TruncateStmt, stmt)); break;
        default: break;
    }

    auto run = prev_process_utility != nullptr ? prev_process_utility : standard_ProcessUtility;
    auto run_standard = [&] {
        TviewCreationWindow window;
        pg::Call(run, pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
    };
    if (creates_tview) {
        auto *ctas = castNode(CreateTableAsStmt, stmt);
        Oid existing = pg::Call(RangeVarGetRelidExtended, ctas->into->rel, NoLock, RVR_MISSING_OK, nullptr, nullptr);
        if (ctas->if_not_exists && OidIsValid(existing)) run_standard();  // the standard NOTICE, nothing created
        else definition::CreateTview(ctas, run_standard);
    } else {
        pg::Call(run, pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
    }
}

void ExecutorStartBody(QueryDesc *query_desc, int eflags) {
    auto run = prev_executor_start != nullptr ? prev_executor_start : standard_ExecutorStart;
    pg::Call(run, query_desc, eflags);
    if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0) return;
    ListCell *lc;
    foreach (lc, query_desc->estate->es_opened_result_relations) {
        auto *rri = static_cast<ResultRelInfo *>(lfirst(lc));
        Relation rel = rri->ri_RelationDesc;
        if (am::IsTview(rel) && !am::WritesAllowed(rel))
            RefuseDirectWrite(std::string("\"") + RelationGetRelationName(rel) + "\"");
    }
}

}  // namespace

extern "C" {

static void tviews_ProcessUtility(PlannedStmt *pstmt, const char *query_string, bool read_only_tree,
                                  ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *query_env,
                                  DestReceiver *dest, QueryCompletion *qc) {
    pg::Guarded([&] {
        ProcessUtilityBody(pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
    });
}

static void tviews_ExecutorStart(QueryDesc *query_desc, int eflags) {
    pg::Guarded([&] { ExecutorStartBody(query_desc, eflags); });
}

}  // extern "C"

void InstallHooks() {
    prev_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = tviews_ProcessUtility;
    prev_executor_start = ExecutorStart_hook;
    ExecutorStart_hook = tviews_ExecutorStart;
}

}  // namespace tviews::server

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
#include "runtime/maintain.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "commands/defrem.h"
#include "utils/fmgroids.h"
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
                "Use CREATE TABLE " + std::string(stmt->relation->relname) +
                    " USING tview_am AS SELECT ... instead. To load a dump holding TVIEWs, run pg_restore or psql "
                    "with PGOPTIONS='-c pg_tviews.restore_mode=on'.");
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

// EXPLAIN ANALYZE CREATE TABLE ... AS creates the table without going through this hook: the
// TVIEW would never be planned or maintained.
void CheckExplain(const ExplainStmt *stmt) {
    if (stmt->query == nullptr || !IsA(stmt->query, Query)) return;
    auto *query = castNode(Query, stmt->query);
    if (query->utilityStmt == nullptr || !IsA(query->utilityStmt, CreateTableAsStmt)) return;
    auto *ctas = castNode(CreateTableAsStmt, query->utilityStmt);
    if (ctas->objtype != OBJECT_TABLE || !NamesTviewAm(ctas->into->accessMethod)) return;
    ListCell *lc;
    foreach (lc, stmt->options) {
        auto *opt = static_cast<DefElem *>(lfirst(lc));
        if (std::strcmp(opt->defname, "analyze") == 0 && (opt->arg == nullptr || pg::Call(defGetBoolean, opt)))
            throw Error(sqlstate::kFeatureNotSupported,
                        "EXPLAIN ANALYZE CREATE TABLE ... USING tview_am is not supported",
                        "EXPLAIN ANALYZE would create the table without making it a TVIEW.",
                        "Create the TVIEW without EXPLAIN; EXPLAIN ANALYZE its SELECT to see the query's plan.");
    }
}

// Triggers and rules on a TVIEW would run on (or rewrite) the engine's writes: refused. Its
// sources are where to react to changes.
void CheckTriggerOrRule(const RangeVar *relation, const char *what) {
    if (am::restore_mode) return;
    Oid relid = pg::Call(RangeVarGetRelidExtended, relation, NoLock, RVR_MISSING_OK, nullptr, nullptr);
    if (IsTviewRelation(relid) && pg::Call(catalog::ReadTview, relid) != nullptr)
        throw Error(sqlstate::kFeatureNotSupported, std::string("cannot create ") + what + " on TVIEW " + Quoted(relation),
                    "pg_tviews writes the rows of a TVIEW itself; triggers and rules would interfere with it.",
                    std::string("Create the ") + what + " on the tables the TVIEW reads, or read the TVIEW from "
                    "another TVIEW.");
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

// Subcommands that would make a TVIEW's columns differ from its defining query's.
bool ChangesTviewColumns(const AlterTableCmd *cmd) {
    switch (cmd->subtype) {
        case AT_AddColumn:
        TVIEWS_CASE_AT_ADD_COLUMN_RECURSE
        case AT_DropColumn:
        TVIEWS_CASE_AT_DROP_COLUMN_RECURSE
        case AT_AlterColumnType:
        case AT_SetNotNull:
        case AT_AddIdentity:
        case AT_SetIdentity:
        case AT_DropExpression:
            return true;
        case AT_AddConstraint:
        TVIEWS_CASE_AT_ADD_CONSTRAINT_RECURSE {
            auto *c = reinterpret_cast<Constraint *>(cmd->def);
            return c == nullptr || !IsA(c, Constraint) ||
                   (c->contype != CONSTR_PRIMARY && c->contype != CONSTR_UNIQUE && c->contype != CONSTR_EXCLUSION);
        }
        default:
            return false;
    }
}

// A TVIEW reading column `attno` of `relid`, or InvalidOid (C-style: scans pg_depend).
Oid TviewReadingColumn(Oid relid, AttrNumber attno) {
    Relation depend = table_open(DependRelationId, AccessShareLock);
    ScanKeyData key[3];
    ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
    ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
    ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(attno));
    SysScanDesc scan = systable_beginscan(depend, DependReferenceIndexId, true, nullptr, 3, key);
    Oid found = InvalidOid;
    HeapTuple tuple;
    while (!OidIsValid(found) && HeapTupleIsValid(tuple = systable_getnext(scan))) {
        auto *dep = reinterpret_cast<Form_pg_depend>(GETSTRUCT(tuple));
        if (dep->classid == RelationRelationId && catalog::ReadTview(dep->objid) != nullptr) found = dep->objid;
    }
    systable_endscan(scan);
    table_close(depend, AccessShareLock);
    return found;
}

char *RelationNameOf(Oid relid) { return get_rel_name(relid); }

void CheckAlterTable(const AlterTableStmt *stmt) {
    ListCell *lc;
    Oid target = pg::Call(RangeVarGetRelidExtended, stmt->relation, NoLock, RVR_MISSING_OK, nullptr, nullptr);
    bool target_is_tview = IsTviewRelation(target) && pg::Call(catalog::ReadTview, target) != nullptr;
    foreach (lc, stmt->cmds) {
        auto *cmd = static_cast<AlterTableCmd *>(lfirst(lc));
        if (target_is_tview && ChangesTviewColumns(cmd) && !am::restore_mode)
            throw Error(sqlstate::kFeatureNotSupported, "cannot change the columns of TVIEW " + Quoted(stmt->relation),
                        "The columns of a TVIEW are those of its defining query.",
                        "Indexes, renames and storage settings are allowed; to change the columns, drop the TVIEW "
                        "and create it again with a new definition.");
        if (cmd->subtype == AT_AlterColumnType && OidIsValid(target) && cmd->name != nullptr) {
            AttrNumber attno = pg::Call(get_attnum, target, static_cast<const char *>(cmd->name));
            Oid reader = attno > 0 ? pg::Call(TviewReadingColumn, target, attno) : InvalidOid;
            if (OidIsValid(reader))
                throw Error(SqlState("2BP01"),
                            "cannot alter type of column \"" + std::string(cmd->name) + "\" of table " +
                                Quoted(stmt->relation) + " because TVIEW \"" + pg::Call(RelationNameOf, reader) +
                                "\" reads it",
                            "TVIEWs are maintained from the columns they read, as they were when created.",
                            "Drop the TVIEW, alter the column, then create the TVIEW again.");
        }
        if (cmd->subtype != AT_SetAccessMethod) continue;
        Oid relid = target;
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

// CREATE OR REPLACE VIEW of a view a TVIEW reads would change the TVIEW's definition underneath it.
void CheckReplaceView(const ViewStmt *stmt) {
    if (!stmt->replace) return;
    Oid view = pg::Call(RangeVarGetRelidExtended, stmt->view, NoLock, RVR_MISSING_OK, nullptr, nullptr);
    Oid reader = OidIsValid(view) ? pg::Call(TviewReadingColumn, view, AttrNumber(0)) : InvalidOid;
    if (OidIsValid(reader))
        throw Error(SqlState("2BP01"),
                    "cannot replace view " + Quoted(stmt->view) + " because TVIEW \"" +
                        pg::Call(RelationNameOf, reader) + "\" reads it",
                    "A TVIEW expands the views it reads when it is created.",
                    "Drop the TVIEW, replace the view, then create the TVIEW again.");
}

bool AddsColumn(const AlterTableStmt *stmt) {
    ListCell *lc;
    foreach (lc, stmt->cmds) {
        auto *cmd = static_cast<AlterTableCmd *>(lfirst(lc));
        if (pg::IsAddColumn(cmd->subtype)) return true;
    }
    return false;
}

// What changes after DDL: stored definitions follow renames; TVIEWs reading whole rows of a
// table that gained a column are rebuilt.
void AfterUtility(Node *stmt) {
    if (!OidIsValid(pg::Call(catalog::CatalogRelid))) return;
    // A restore creates the sources' keys after loading the catalog: TVIEWs waiting for them are
    // tried again after each statement that can create a key.
    if (IsA(stmt, AlterTableStmt) || IsA(stmt, IndexStmt)) pg::Call(AttachRestoredTviews);
    switch (nodeTag(stmt)) {
        case T_RenameStmt:
        case T_AlterObjectSchemaStmt:
            pg::Call(CommandCounterIncrement);
            pg::Call(catalog::RefreshStoredDefinitions);
            break;
        case T_AlterTableStmt: {
            auto *alter = castNode(AlterTableStmt, stmt);
            if (!AddsColumn(alter)) break;
            Oid relid = pg::Call(RangeVarGetRelidExtended, alter->relation, NoLock, RVR_MISSING_OK, nullptr, nullptr);
            if (!OidIsValid(relid)) break;
            pg::Call(CommandCounterIncrement);
            runtime::RefreshWholeRowReaders(relid);
            break;
        }
        default: break;
    }
}

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
        case T_ExplainStmt: CheckExplain(castNode(ExplainStmt, stmt)); break;
        case T_ViewStmt: CheckReplaceView(castNode(ViewStmt, stmt)); break;
        case T_CreateTrigStmt: CheckTriggerOrRule(castNode(CreateTrigStmt, stmt)->relation, "trigger"); break;
        case T_RuleStmt: CheckTriggerOrRule(castNode(RuleStmt, stmt)->relation, "rule"); break;
        default: break;
    }

    auto run = prev_process_utility != nullptr ? prev_process_utility : standard_ProcessUtility;
    // CREATE TABLE ... USING tview_am AS SELECT fills its new table in a creation scope; an error
    // inside ends the scope with the (sub)transaction it aborts.
    auto run_standard = [&] {
        int scope = pg::Call(runtime::EnterCreationScope);
        pg::Call(run, pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
        pg::Call(runtime::LeaveScope, scope);
    };
    if (creates_tview) {
        auto *ctas = castNode(CreateTableAsStmt, stmt);
        Oid existing = pg::Call(RangeVarGetRelidExtended, ctas->into->rel, NoLock, RVR_MISSING_OK, nullptr, nullptr);
        if (ctas->if_not_exists && OidIsValid(existing)) run_standard();  // the standard NOTICE, nothing created
        else definition::CreateTview(ctas, run_standard);
    } else {
        pg::Call(run, pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
        AfterUtility(stmt);
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
    InstallExplainHooks();
}

}  // namespace tviews::server

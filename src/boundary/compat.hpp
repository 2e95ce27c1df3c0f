// compat.hpp: the server side of the version boundary. pg_tviews builds from one tree for
// PostgreSQL 15, 17 and 18; every server API whose spelling differs between them is wrapped
// here, with the same name on every version, so that the engine never tests PG_VERSION_NUM.
// (The LLVM side is llvm_compat.hpp.) Each wrapper is a thin call: it may ereport like the
// server function it wraps.
//
// Regime: PostgreSQL side (included by pg.hpp, after the server's base headers).
#pragma once

#include "boundary/pg_base.hpp"

extern "C" {
#include "access/genam.h"
#include "access/tableam.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "utils/guc.h"
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"  // 18 split ExplainState and its emitters out of explain.h
#include "commands/explain_state.h"
#endif
}

// ALTER TABLE subcommands that PostgreSQL 16 folded into their plain forms (recursion became a
// flag): case labels that exist only on 15.
#if PG_VERSION_NUM < 160000
#define TVIEWS_CASE_AT_ADD_COLUMN_RECURSE case AT_AddColumnRecurse:
#define TVIEWS_CASE_AT_DROP_COLUMN_RECURSE case AT_DropColumnRecurse:
#define TVIEWS_CASE_AT_ADD_CONSTRAINT_RECURSE case AT_AddConstraintRecurse:
#else
#define TVIEWS_CASE_AT_ADD_COLUMN_RECURSE
#define TVIEWS_CASE_AT_DROP_COLUMN_RECURSE
#define TVIEWS_CASE_AT_ADD_CONSTRAINT_RECURSE
#endif

namespace tviews::pg {

// The OID of a relation's primary key index, or InvalidOid (a deferrable one does not count, as on 15).
Oid PrimaryKeyIndex(Relation rel);

// index_beginscan without instrumentation (18 added an IndexScanInstrumentation argument).
IndexScanDesc BeginIndexScan(Relation heap, Relation index, Snapshot snapshot, int nkeys, int norderbys);

// The PostgreSQL major version pg_tviews was built for (15, 17, 18).
int ServerMajor();

// ALTER TABLE ... ADD COLUMN, recursing to children or not.
bool IsAddColumn(AlterTableType subtype);

// Whether `role` owns relation `relid` (pg_class_ownercheck on 15, object_ownercheck after).
bool OwnsClass(Oid relid, Oid role);

// A possibly qualified name parsed into a list of String nodes (errors on bad syntax).
List *QualifiedNameList(const char *name);

// An executor state's range table of one relation, as the logical-replication apply worker
// builds it (with its permission info on 16 and later, its unpruned set on 18).
void InitRangeTable(EState *estate, RangeTblEntry *rte);

// An EPQState for ExecSimpleRelation* without a subplan.
void InitEvalPlanQual(EPQState *epq, EState *estate);

// What table_tuple_update says about the indexes: a bool on 15, TU_UpdateIndexes after.
#if PG_VERSION_NUM >= 160000
using UpdateIndexes = TU_UpdateIndexes;
#else
using UpdateIndexes = bool;
#endif
// Whether the update needs new index entries at all.
bool IndexesNeedUpdate(UpdateIndexes update);
// ExecInsertIndexTuples after table_tuple_update (only summarizing indexes when that is all
// the update needs, on 16 and later).
void InsertIndexTuplesAfterUpdate(ResultRelInfo *rri, TupleTableSlot *slot, EState *estate, UpdateIndexes update);

// EXPLAIN of a statement pg_tviews plans itself (ExplainOneQuery is static on 15): what the
// planning cost, measured as the server's ExplainOneQuery does, then ExplainOnePlan.
struct PlanCosts {
    instr_time duration;
    BufferUsage buffers;
    bool has_buffers;
    void *memory;  // MemoryContextCounters * on 17 and later (EXPLAIN (MEMORY)), else nullptr
};
PlannedStmt *PlanForExplain(Query *query, int cursor_options, ExplainState *es, const char *query_string,
                            ParamListInfo params, PlanCosts *costs);
void ExplainPlanned(PlannedStmt *plan, IntoClause *into, ExplainState *es, const char *query_string,
                    ParamListInfo params, QueryEnvironment *query_env, const PlanCosts *costs);

// PostgreSQL 18's per-plan EXPLAIN hook (explain_per_plan_hook): called inside the statement's
// "Query" group after the plan, its triggers and JIT summary, for every plan EXPLAIN shows,
// EXPLAIN EXECUTE included. Returns false (and installs nothing) before 18.
using PerPlanExplainFn = void (*)(PlannedStmt *plan, ExplainState *es);
bool InstallPerPlanExplainHook(PerPlanExplainFn fn);

}  // namespace tviews::pg

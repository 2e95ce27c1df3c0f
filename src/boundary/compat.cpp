// compat.cpp: see compat.hpp. The only file of pg_tviews that tests PG_VERSION_NUM.
//
// Regime: PostgreSQL side.
#include "boundary/compat.hpp"

extern "C" {
#include "catalog/pg_class_d.h"
#include "optimizer/optimizer.h"
#include "parser/parse_relation.h"
#include "tcop/tcopprot.h"
#include "access/genam.h"
#include "utils/acl.h"
#include "utils/relcache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#if PG_VERSION_NUM >= 180000
#include "commands/explain_state.h"
#endif
}

namespace tviews::pg {

Oid PrimaryKeyIndex(Relation rel) {
#if PG_VERSION_NUM >= 180000
    return RelationGetPrimaryKeyIndex(rel, false);
#else
    return RelationGetPrimaryKeyIndex(rel);
#endif
}

IndexScanDesc BeginIndexScan(Relation heap, Relation index, Snapshot snapshot, int nkeys, int norderbys) {
#if PG_VERSION_NUM >= 180000
    return index_beginscan(heap, index, snapshot, nullptr, nkeys, norderbys);
#else
    return index_beginscan(heap, index, snapshot, nkeys, norderbys);
#endif
}

int ServerMajor() { return PG_VERSION_NUM / 10000; }

bool IsAddColumn(AlterTableType subtype) {
#if PG_VERSION_NUM < 160000
    if (subtype == AT_AddColumnRecurse) return true;
#endif
    return subtype == AT_AddColumn;
}

bool OwnsClass(Oid relid, Oid role) {
#if PG_VERSION_NUM >= 160000
    return object_ownercheck(RelationRelationId, relid, role);
#else
    return pg_class_ownercheck(relid, role);
#endif
}

List *QualifiedNameList(const char *name) {
#if PG_VERSION_NUM >= 160000
    return stringToQualifiedNameList(name, nullptr);
#else
    return stringToQualifiedNameList(name);
#endif
}

void InitRangeTable(EState *estate, RangeTblEntry *rte) {
#if PG_VERSION_NUM >= 160000
    List *perminfos = NIL;
    addRTEPermissionInfo(&perminfos, rte);
#endif
#if PG_VERSION_NUM >= 180000
    ExecInitRangeTable(estate, list_make1(rte), perminfos, bms_make_singleton(1));
#elif PG_VERSION_NUM >= 160000
    ExecInitRangeTable(estate, list_make1(rte), perminfos);
#else
    ExecInitRangeTable(estate, list_make1(rte));
#endif
}

void InitEvalPlanQual(EPQState *epq, EState *estate) {
#if PG_VERSION_NUM >= 160000
    EvalPlanQualInit(epq, estate, nullptr, NIL, -1, NIL);
#else
    EvalPlanQualInit(epq, estate, nullptr, NIL, -1);
#endif
}

bool IndexesNeedUpdate(UpdateIndexes update) {
#if PG_VERSION_NUM >= 160000
    return update != TU_None;
#else
    return update;
#endif
}

void InsertIndexTuplesAfterUpdate(ResultRelInfo *rri, TupleTableSlot *slot, EState *estate, UpdateIndexes update) {
#if PG_VERSION_NUM >= 160000
    ExecInsertIndexTuples(rri, slot, estate, true, false, nullptr, NIL, update == TU_Summarizing);
#else
    ExecInsertIndexTuples(rri, slot, estate, true, false, nullptr, NIL);
#endif
}

PlannedStmt *PlanForExplain(Query *query, int cursor_options, ExplainState *es, const char *query_string,
                            ParamListInfo params, PlanCosts *costs) {
    instr_time plan_start;
    BufferUsage buf_start;
    costs->has_buffers = es->buffers;
    costs->memory = nullptr;
#if PG_VERSION_NUM >= 170000
    MemoryContext planner_ctx = nullptr, saved_ctx = nullptr;
    if (es->memory) {
        // as the server's ExplainOneQuery: plan in a context of its own to measure it
        planner_ctx = AllocSetContextCreate(CurrentMemoryContext, "explain analyze planner context",
                                            ALLOCSET_DEFAULT_SIZES);
        saved_ctx = MemoryContextSwitchTo(planner_ctx);
    }
#endif
    if (es->buffers) buf_start = pgBufferUsage;
    INSTR_TIME_SET_CURRENT(plan_start);
    PlannedStmt *plan = pg_plan_query(query, query_string, cursor_options, params);
    INSTR_TIME_SET_CURRENT(costs->duration);
    INSTR_TIME_SUBTRACT(costs->duration, plan_start);
#if PG_VERSION_NUM >= 170000
    if (es->memory) {
        MemoryContextSwitchTo(saved_ctx);
        auto *counters = static_cast<MemoryContextCounters *>(palloc0(sizeof(MemoryContextCounters)));
        MemoryContextMemConsumed(planner_ctx, counters);
        costs->memory = counters;
    }
#endif
    if (es->buffers) {
        memset(&costs->buffers, 0, sizeof(BufferUsage));
        BufferUsageAccumDiff(&costs->buffers, &pgBufferUsage, &buf_start);
    }
    return plan;
}

void ExplainPlanned(PlannedStmt *plan, IntoClause *into, ExplainState *es, const char *query_string,
                    ParamListInfo params, QueryEnvironment *query_env, const PlanCosts *costs) {
    const BufferUsage *buffers = costs->has_buffers ? &costs->buffers : nullptr;
#if PG_VERSION_NUM >= 180000
    ExplainOnePlan(plan, into, es, query_string, params, query_env, &costs->duration, buffers,
                   static_cast<const MemoryContextCounters *>(costs->memory));
#elif PG_VERSION_NUM >= 170000
    ExplainOnePlan(plan, into, es, query_string, params, query_env, &costs->duration, buffers,
                   static_cast<const MemoryContextCounters *>(costs->memory));
#else
    ExplainOnePlan(plan, into, es, query_string, params, query_env, &costs->duration, buffers);
#endif
}

#if PG_VERSION_NUM >= 180000
namespace {
PerPlanExplainFn per_plan_fn = nullptr;
explain_per_plan_hook_type prev_per_plan = nullptr;

void PerPlan(PlannedStmt *plan, IntoClause *into, ExplainState *es, const char *query_string, ParamListInfo params,
             QueryEnvironment *query_env) {
    if (prev_per_plan != nullptr) prev_per_plan(plan, into, es, query_string, params, query_env);
    per_plan_fn(plan, es);
}
}  // namespace
#endif

bool InstallPerPlanExplainHook(PerPlanExplainFn fn) {
#if PG_VERSION_NUM >= 180000
    per_plan_fn = fn;
    prev_per_plan = explain_per_plan_hook;
    explain_per_plan_hook = PerPlan;
    return true;
#else
    (void)fn;
    return false;
#endif
}

}  // namespace tviews::pg

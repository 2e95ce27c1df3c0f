// explain.cpp: what a TVIEW costs, shown where PostgreSQL users look: EXPLAIN of a write on a
// source lists the maintenance it causes, and pg_tviews_explain(tview) shows a TVIEW's refresh
// plan and kernels.
//
// Regime: entry points (hooks, SQL functions: one guarded call each) over C++ orchestration that
// reaches the compiled TVIEWs, and C-style emitters (ExplainState output, may ereport) called
// through pg::Call. PostgreSQL 15 has no per-plan EXPLAIN hook: ExplainOneQuery_hook notes the
// ExplainState and plans the query as the server would (ExplainOneQuery is static), then calls
// ExplainOnePlan; the section is written from ExecutorEnd_hook, which ExplainOnePlan calls
// inside the statement's "Query" group, after its triggers and before "Execution Time", so
// every format stays one valid document. EXPLAIN EXECUTE of a prepared statement does not go
// through the hook and shows no section. PostgreSQL 18 calls a per-plan EXPLAIN hook at that
// same place for every plan, EXPLAIN EXECUTE included: there the section is written from it
// (pg::InstallPerPlanExplainHook), and the figures of EXPLAIN ANALYZE EXECUTE are tallied from
// ExecutorStart of the instrumented statement.
#include "boundary/guard.hpp"
#include "catalog/catalog.hpp"
#include "catalog/relations.hpp"
#include "core/error.hpp"
#include "runtime/compiled_tview.hpp"
#include "runtime/stats.hpp"
#include "runtime/tiers.hpp"
#include "runtime/tview_cache.hpp"
#include "server/module.hpp"

#include <string>
#include <vector>

extern "C" {
#include "access/relation.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace tviews::server {

namespace {

ExplainOneQuery_hook_type prev_explain_one_query = nullptr;
ExecutorEnd_hook_type prev_executor_end = nullptr;
ExecutorStart_hook_type prev_executor_start = nullptr;
bool per_plan_hook = false;              // the section comes from the server's per-plan hook (18)
QueryDesc *tallied_from_start = nullptr;  // EXPLAIN ANALYZE EXECUTE: the statement being tallied

// The EXPLAIN being produced (innermost) and the statement it explains.
ExplainState *current_es = nullptr;
PlannedStmt *current_plan = nullptr;

constexpr int kInsert = 1 << static_cast<int>(runtime::ChangeKind::kInsert);
constexpr int kUpdate = 1 << static_cast<int>(runtime::ChangeKind::kUpdate);
constexpr int kDelete = 1 << static_cast<int>(runtime::ChangeKind::kDelete);

// One kernel set to describe: the kernels of `tv` for changes of `source` of the given kinds.
struct Target {
    runtime::CompiledTview *tv;
    Oid source;
    int kinds;
    Oid cascade_from;  // InvalidOid: the statement's own table
};

/* ------------------------------------------------------------------------
 * C-style: what the statement writes, and the text of a TVIEW's plan.
 * ------------------------------------------------------------------------ */

struct Written {
    Oid relid;
    int kinds;
};

void CollectWrites(Plan *plan, PlannedStmt *stmt, List **out) {
    if (plan == nullptr) return;
    if (IsA(plan, ModifyTable)) {
        auto *mt = castNode(ModifyTable, plan);
        int kinds = 0;
        switch (mt->operation) {
            case CMD_INSERT: kinds = kInsert | (mt->onConflictAction == ONCONFLICT_UPDATE ? kUpdate : 0); break;
            case CMD_UPDATE: kinds = kUpdate; break;
            case CMD_DELETE: kinds = kDelete; break;
            case CMD_MERGE: kinds = kInsert | kUpdate | kDelete; break;
            default: break;
        }
        ListCell *lc;
        foreach (lc, mt->resultRelations) {
            auto *w = static_cast<Written *>(palloc(sizeof(Written)));
            w->relid = rt_fetch(lfirst_int(lc), stmt->rtable)->relid;
            w->kinds = kinds;
            *out = lappend(*out, w);
        }
    }
    CollectWrites(plan->lefttree, stmt, out);
    CollectWrites(plan->righttree, stmt, out);
    if (IsA(plan, Append)) {
        ListCell *lc;
        foreach (lc, castNode(Append, plan)->appendplans) CollectWrites(static_cast<Plan *>(lfirst(lc)), stmt, out);
    }
}

List *StatementWrites(PlannedStmt *stmt) {
    List *out = NIL;
    CollectWrites(stmt->planTree, stmt, &out);
    ListCell *lc;
    foreach (lc, stmt->subplans) CollectWrites(static_cast<Plan *>(lfirst(lc)), stmt, &out);
    return out;
}

// The relation's qualified name, or its OID when it is gone.
char *RelName(Oid relid) {
    if (get_rel_name(relid) == nullptr) return psprintf("%u", relid);
    return catalog::QualifiedName(relid);
}

char *ColumnsOf(Oid relid, const AttrNumber *attnos, int n) {
    StringInfoData s;
    initStringInfo(&s);
    for (int i = 0; i < n; i++)
        appendStringInfo(&s, "%s%s", i > 0 ? ", " : "", quote_identifier(get_attname(relid, attnos[i], false)));
    return s.data;
}

char *AttnoList(Oid relid, const Bitmapset *attnos) {
    StringInfoData s;
    initStringInfo(&s);
    int a = -1;
    while ((a = bms_next_member(attnos, a)) >= 0)
        appendStringInfo(&s, "%s%s", s.len > 0 ? ", " : "", a == 0 ? "(whole row)" : quote_identifier(get_attname(relid, a, false)));
    return s.data;
}

// "data.author.name" for a leaf: the TVIEW column and the JSON path inside it.
char *LeafName(const runtime::CompiledTview *tv, const runtime::CompiledLeaf &leaf) {
    StringInfoData s;
    initStringInfo(&s);
    appendStringInfoString(&s, quote_identifier(get_attname(tv->tview, static_cast<AttrNumber>(leaf.column + 1), false)));
    for (int i = 0; i < leaf.npath; i++) appendStringInfo(&s, ".%s", TextDatumGetCString(leaf.path_elems[i]));
    return s.data;
}

const char *IndexName(Oid index) { return OidIsValid(index) ? quote_identifier(get_rel_name(index)) : "(none)"; }

// How the TVIEW rows depending on a row of `node` are found.
char *Lineage(const runtime::CompiledTview *tv, int node) {
    StringInfoData s;
    initStringInfo(&s);
    appendStringInfoString(&s, RelName(tv->nodes[node].relid));
    for (int n = node; n > 0; n = tv->nodes[n].parent) {
        const runtime::CompiledNode &cn = tv->nodes[n];
        const runtime::CompiledNode &parent = tv->nodes[cn.parent];
        appendStringInfo(&s, " -> %s (%s = %s, index %s%s)", RelName(parent.relid),
                         ColumnsOf(parent.relid, cn.parent_attnos, cn.nkeys), ColumnsOf(cn.relid, cn.key_attnos, cn.nkeys),
                         IndexName(cn.by_parent_fk.index), cn.child_scope ? ", aggregated" : "");
    }
    appendStringInfo(&s, " -> TVIEW row by key (%s, index %s)",
                     ColumnsOf(tv->nodes[0].relid, tv->root_key, tv->nkey), IndexName(tv->tview_by_key.index));
    return s.data;
}

const char *KindName(int kind) {
    return kind == static_cast<int>(runtime::ChangeKind::kInsert)   ? "insert"
           : kind == static_cast<int>(runtime::ChangeKind::kUpdate) ? "update"
                                                                    : "delete";
}

// One kernel: (TVIEW, source, kind), for every node of the TVIEW that reads `source`.
void EmitKernel(ExplainState *es, const runtime::CompiledTview *tv, Oid source, int kind, bool show_tier) {
    bool text = es->format == EXPLAIN_FORMAT_TEXT;
    auto change = static_cast<runtime::ChangeKind>(kind);
    const char *tier = runtime::NextRunCompiled(tv, source, change) ? "compiled" : "interpreted";
    ExplainOpenGroup("Kernel", nullptr, true, es);
    if (text) {
        appendStringInfoSpaces(es->str, es->indent * 2);
        appendStringInfo(es->str, "Kernel: %s on %s", KindName(kind), RelName(source));
        if (show_tier) appendStringInfo(es->str, " (%s)", tier);
        appendStringInfoChar(es->str, '\n');
        es->indent++;
    } else {
        ExplainPropertyText("Source", RelName(source), es);
        ExplainPropertyText("Change", KindName(kind), es);
        if (show_tier) ExplainPropertyText("Tier", tier, es);
    }
    for (int n = 0; n < tv->nnodes; n++) {
        const runtime::CompiledNode &node = tv->nodes[n];
        if (node.relid != source) continue;
        const runtime::KernelStep &step = node.steps[kind];
        List *patches = NIL;
        for (int i = 0; i < step.npatched; i++) {
            const runtime::CompiledLeaf &leaf = tv->leaves[step.patched_leaves[i]];
            patches = lappend(patches, psprintf("%s <- %s%s", LeafName(tv, leaf), AttnoList(node.relid, step.patched_reads[i]),
                                                leaf.counter.kind != runtime::CounterKind::kNone ? " (counter)" : ""));
        }
        ExplainPropertyText("Action", step.action, es);
        ExplainPropertyText("Finds Rows", Lineage(tv, n), es);
        if (change == runtime::ChangeKind::kUpdate && !node.child_scope) {
            ExplainPropertyText("Recomputes On", AttnoList(node.relid, step.recomputes_on), es);
            if (node.conditional) ExplainPropertyText("Conditional Join", "every change recomputes", es);
        }
        if (patches != NIL) ExplainPropertyList("Patches", patches, es);
    }
    if (text) es->indent--;
    ExplainCloseGroup("Kernel", nullptr, true, es);
}

void EmitTarget(ExplainState *es, const Target *t, bool analyze) {
    bool text = es->format == EXPLAIN_FORMAT_TEXT;
    ExplainOpenGroup("TVIEW", nullptr, true, es);
    if (text) {
        appendStringInfoSpaces(es->str, es->indent * 2);
        appendStringInfo(es->str, "TVIEW %s", RelName(t->tv->tview));
        if (OidIsValid(t->cascade_from)) appendStringInfo(es->str, " (cascade from %s)", RelName(t->cascade_from));
        appendStringInfoChar(es->str, '\n');
        es->indent++;
    } else {
        ExplainPropertyText("TVIEW", RelName(t->tv->tview), es);
        if (OidIsValid(t->cascade_from)) ExplainPropertyText("Cascade From", RelName(t->cascade_from), es);
    }
    ExplainOpenGroup("Kernels", "Kernels", false, es);
    for (int kind = 0; kind < 3; kind++)
        if (t->kinds & (1 << kind)) EmitKernel(es, t->tv, t->source, kind, !analyze);
    ExplainCloseGroup("Kernels", "Kernels", false, es);
    if (analyze) {
        runtime::KernelFigures f{};
        int64 runs = 0;
        runtime::StatementTallyFigures(t->tv->tview, t->source, &f, &runs);
        ExplainPropertyInteger("Kernel Runs", nullptr, runs, es);
        if (runs > 0) ExplainPropertyText("Tier", f.compiled ? "compiled" : "interpreted", es);
        ExplainPropertyInteger("Rows Patched", nullptr, f.rows_patched, es);
        ExplainPropertyInteger("Rows Recomputed", nullptr, f.rows_recomputed, es);
        ExplainPropertyInteger("Rows Inserted", nullptr, f.rows_inserted, es);
        ExplainPropertyInteger("Rows Deleted", nullptr, f.rows_deleted, es);
        if (f.counters_from_change > 0)
            ExplainPropertyInteger("Counters From Change", nullptr, f.counters_from_change, es);
        if (es->timing) ExplainPropertyFloat("Time", "ms", f.time_ms, 3, es);
    }
    if (text) es->indent--;
    ExplainCloseGroup("TVIEW", nullptr, true, es);
}

// The section, when the statement maintains any TVIEW (other statements' EXPLAIN is untouched).
void EmitMaintenance(ExplainState *es, const Target *targets, int n, bool analyze) {
    if (n == 0) return;
    bool text = es->format == EXPLAIN_FORMAT_TEXT;
    if (text) {
        appendStringInfoSpaces(es->str, es->indent * 2);
        appendStringInfoString(es->str, "TVIEW Maintenance:\n");
        es->indent++;
    }
    ExplainOpenGroup("TVIEW Maintenance", "TVIEW Maintenance", false, es);
    for (int i = 0; i < n; i++) EmitTarget(es, &targets[i], analyze);
    ExplainCloseGroup("TVIEW Maintenance", "TVIEW Maintenance", false, es);
    if (text) es->indent--;
}

bool ReadsRelation(const runtime::CompiledTview *tv, Oid relid) {
    for (int n = 0; n < tv->nnodes; n++)
        if (tv->nodes[n].relid == relid) return true;
    return false;
}

// Every TVIEW of the database, in creation order (OIDs): a stable order for the EXPLAIN output.
List *TviewsInOrder() {
    List *all = catalog::AllTviews();
    list_sort(all, list_oid_cmp);
    return all;
}

/* ------------------------------------------------------------------------
 * C++ orchestration.
 * ------------------------------------------------------------------------ */

// The TVIEWs `stmt` maintains, directly and through cascades, with the kernels it runs.
std::vector<Target> Targets(PlannedStmt *stmt) {
    std::vector<Target> out;
    List *writes = pg::Call(StatementWrites, stmt);
    List *tviews = pg::Call(TviewsInOrder);
    int nwrites = pg::Call(list_length, static_cast<const List *>(writes));
    int ntviews = pg::Call(list_length, static_cast<const List *>(tviews));
    for (int w = 0; w < nwrites; w++) {
        auto *written = static_cast<Written *>(pg::Call(list_nth, static_cast<const List *>(writes), w));
        for (int t = 0; t < ntviews; t++) {
            Oid oid = pg::Call(list_nth_oid, static_cast<const List *>(tviews), t);
            catalog::TviewRow *row = pg::Call(catalog::ReadTview, oid);
            bool reads = false;
            for (int s = 0; row != nullptr && s < row->nsources; s++) reads |= row->sources[s] == written->relid;
            if (!reads) continue;  // (compiles only the TVIEWs the statement reaches)
            runtime::CompiledTview *tv = runtime::GetCompiledTview(oid);
            if (tv == nullptr || !tv->populated || !ReadsRelation(tv, written->relid)) continue;
            out.push_back(Target{tv, written->relid, written->kinds, InvalidOid});
        }
    }
    // Cascades: a TVIEW that changes hands its inserted, updated and deleted rows to its readers.
    for (size_t i = 0; i < out.size() && out.size() < 64; i++) {
        runtime::CompiledTview *tv = out[i].tv;
        for (int d = 0; d < tv->ndependents; d++) {
            runtime::CompiledTview *dependent = runtime::GetCompiledTview(tv->dependents[d]);
            if (dependent == nullptr || !dependent->populated) continue;
            bool seen = false;
            for (const Target &t : out) seen |= t.tv == dependent && t.source == tv->tview;
            if (!seen) out.push_back(Target{dependent, tv->tview, kInsert | kUpdate | kDelete, tv->tview});
        }
    }
    return out;
}

void ExplainMaintenance(ExplainState *es, PlannedStmt *stmt) {
    std::vector<Target> targets = Targets(stmt);
    pg::Call(EmitMaintenance, es, static_cast<const Target *>(targets.data()), static_cast<int>(targets.size()),
             static_cast<bool>(es->analyze));
}

bool Writes(PlannedStmt *stmt) {
    return stmt->commandType == CMD_INSERT || stmt->commandType == CMD_UPDATE || stmt->commandType == CMD_DELETE ||
           stmt->commandType == CMD_MERGE || stmt->hasModifyingCTE;
}

// The server's ExplainOneQuery for a planned statement (it is static in PostgreSQL 15).
void PlanAndExplain(Query *query, int cursor_options, IntoClause *into, ExplainState *es, const char *query_string,
                    ParamListInfo params, QueryEnvironment *query_env) {
    pg::PlanCosts costs;
    PlannedStmt *plan = pg::PlanForExplain(query, cursor_options, es, query_string, params, &costs);
    ExplainState *outer_es = current_es;
    PlannedStmt *outer_plan = current_plan;
    bool maintained = Writes(plan);
    if (maintained) {
        current_es = es;
        current_plan = plan;
        if (es->analyze) runtime::BeginStatementTally();
    }
    PG_TRY();
    {
        pg::ExplainPlanned(plan, into, es, query_string, params, query_env, &costs);
    }
    PG_FINALLY();
    {
        if (maintained) {
            current_es = outer_es;
            current_plan = outer_plan;
            runtime::EndStatementTally();
        }
    }
    PG_END_TRY();
}

}  // namespace

}  // namespace tviews::server

extern "C" {

static void tviews_ExplainOneQuery(Query *query, int cursor_options, IntoClause *into, ExplainState *es,
                                   const char *query_string, ParamListInfo params, QueryEnvironment *query_env) {
    using namespace tviews::server;
    tviews::pg::Guarded([&] {
        if (prev_explain_one_query != nullptr)
            prev_explain_one_query(query, cursor_options, into, es, query_string, params, query_env);
        else
            tviews::pg::Call(PlanAndExplain, query, cursor_options, into, es, query_string, params, query_env);
    });
}

// PostgreSQL 18: every plan EXPLAIN shows, after its triggers, before "Execution Time".
static void tviews_ExplainPerPlan(PlannedStmt *plan, ExplainState *es) {
    using namespace tviews::server;
    tviews::pg::Guarded([&] {
        if (!Writes(plan)) return;
        if (current_es == es) current_es = nullptr;
        ExplainMaintenance(es, plan);
        if (tallied_from_start != nullptr && tallied_from_start->plannedstmt == plan) {
            tallied_from_start = nullptr;
            tviews::pg::Call(tviews::runtime::EndStatementTally);
        }
    });
}

// EXPLAIN ANALYZE EXECUTE does not pass through ExplainOneQuery_hook: with the per-plan hook,
// an instrumented write that no EXPLAIN of ours is tallying starts the tally here.
static void tviews_ExplainExecutorStart(QueryDesc *query_desc, int eflags) {
    using namespace tviews::server;
    tviews::pg::Guarded([&] {
        if (per_plan_hook && current_es == nullptr && query_desc->instrument_options != 0 &&
            (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 && Writes(query_desc->plannedstmt)) {
            tviews::pg::Call(tviews::runtime::BeginStatementTally);
            tallied_from_start = query_desc;
        }
        if (prev_executor_start != nullptr)
            tviews::pg::Call(prev_executor_start, query_desc, eflags);
        else
            tviews::pg::Call(standard_ExecutorStart, query_desc, eflags);
    });
}

static void tviews_ExecutorEnd(QueryDesc *query_desc) {
    using namespace tviews::server;
    tviews::pg::Guarded([&] {
        if (tallied_from_start == query_desc) {  // (no per-plan call: EXPLAIN ANALYZE never printed it)
            tallied_from_start = nullptr;
            tviews::pg::Call(tviews::runtime::EndStatementTally);
        }
        if (!per_plan_hook && current_es != nullptr && query_desc->plannedstmt == current_plan) {
            ExplainState *es = current_es;
            current_es = nullptr;  // once
            ExplainMaintenance(es, query_desc->plannedstmt);
        }
        if (prev_executor_end != nullptr)
            tviews::pg::Call(prev_executor_end, query_desc);
        else
            tviews::pg::Call(standard_ExecutorEnd, query_desc);
    });
}

}  // extern "C"

namespace tviews::server {

void InstallExplainHooks() {
    prev_explain_one_query = ExplainOneQuery_hook;
    ExplainOneQuery_hook = tviews_ExplainOneQuery;
    prev_executor_end = ExecutorEnd_hook;
    ExecutorEnd_hook = tviews_ExecutorEnd;
    per_plan_hook = pg::InstallPerPlanExplainHook(tviews_ExplainPerPlan);
    if (per_plan_hook) {
        prev_executor_start = ExecutorStart_hook;
        ExecutorStart_hook = tviews_ExplainExecutorStart;
    }
}

namespace {

text *ExplainTview(Oid tview_oid, const char *format_name, runtime::CompiledTview *tv) {
    ExplainState *es = NewExplainState();
    if (pg_strcasecmp(format_name, "text") == 0) es->format = EXPLAIN_FORMAT_TEXT;
    else if (pg_strcasecmp(format_name, "json") == 0) es->format = EXPLAIN_FORMAT_JSON;
    else if (pg_strcasecmp(format_name, "yaml") == 0) es->format = EXPLAIN_FORMAT_YAML;
    else if (pg_strcasecmp(format_name, "xml") == 0) es->format = EXPLAIN_FORMAT_XML;
    else
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown format \"%s\"", format_name),
                        errhint("Use text, json, yaml or xml, as for EXPLAIN.")));
    bool text = es->format == EXPLAIN_FORMAT_TEXT;
    ExplainBeginOutput(es);
    ExplainOpenGroup("TVIEW", nullptr, true, es);
    if (text) {
        appendStringInfo(es->str, "TVIEW %s\n", RelName(tview_oid));
        es->indent++;
    } else {
        ExplainPropertyText("TVIEW", RelName(tview_oid), es);
    }
    AttrNumber key[INDEX_MAX_KEYS];
    for (int k = 0; k < tv->nkey; k++) key[k] = static_cast<AttrNumber>(tv->key_columns[k] + 1);
    ExplainPropertyText("Key", ColumnsOf(tview_oid, key, tv->nkey), es);
    ExplainOpenGroup("Relations", "Relations", false, es);
    for (int n = 0; n < tv->nnodes; n++) {
        const runtime::CompiledNode &node = tv->nodes[n];
        ExplainOpenGroup("Relation", nullptr, true, es);
        if (text) {
            appendStringInfoSpaces(es->str, es->indent * 2);
            appendStringInfo(es->str, "%s %s\n", n == 0 ? "Root" : node.child_scope ? "Aggregated" : node.left_join ? "Left Join" : "Join",
                             RelName(node.relid));
            es->indent++;
        } else {
            ExplainPropertyText("Role", n == 0 ? "root" : node.child_scope ? "aggregated" : node.left_join ? "left join" : "join", es);
            ExplainPropertyText("Relation", RelName(node.relid), es);
        }
        if (n == 0) {
            ExplainPropertyText("Key", ColumnsOf(node.relid, tv->root_key, tv->nkey), es);
        } else {
            const runtime::CompiledNode &parent = tv->nodes[node.parent];
            ExplainPropertyText("Edge", psprintf("%s (%s) = %s (%s)", RelName(parent.relid),
                                                 ColumnsOf(parent.relid, node.parent_attnos, node.nkeys), RelName(node.relid),
                                                 ColumnsOf(node.relid, node.key_attnos, node.nkeys)),
                                es);
        }
        ExplainPropertyText("Reads", AttnoList(node.relid, node.used), es);
        ExplainPropertyText("Lineage", Lineage(tv, n), es);
        if (text) es->indent--;
        ExplainCloseGroup("Relation", nullptr, true, es);
    }
    ExplainCloseGroup("Relations", "Relations", false, es);
    ExplainOpenGroup("Kernels", "Kernels", false, es);
    for (int s = 0; s < tv->nsources; s++) {
        Oid source = tv->sources[s];
        if (!ReadsRelation(tv, source)) continue;  // a view the definition read: its tables are the sources
        for (int kind = 0; kind < 3; kind++) EmitKernel(es, tv, source, kind, true);
    }
    ExplainCloseGroup("Kernels", "Kernels", false, es);
    if (text) es->indent--;
    ExplainCloseGroup("TVIEW", nullptr, true, es);
    ExplainEndOutput(es);
    return cstring_to_text_with_len(es->str->data, es->str->len);
}

void CheckOwnedOrReadable(Oid tview) {
    if (pg_class_aclcheck(tview, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(tview));
}

}  // namespace

}  // namespace tviews::server

// pg_tviews_explain(tview regclass, format text DEFAULT 'text'): the TVIEW's refresh plan and
// kernels (sources, join edges and keys, lineage, per source and change what is patched or
// recomputed, the tier each kernel would run in this session), as EXPLAIN formats it.
TVIEWS_FUNCTION(pg_tviews_explain) {
    using namespace tviews;
    Oid tview = PG_GETARG_OID(0);
    char *format = pg::Call(text_to_cstring, static_cast<const text *>(PG_GETARG_TEXT_PP(1)));
    runtime::CompiledTview *tv = runtime::GetCompiledTview(tview);
    if (tv == nullptr) {
        const char *name = pg::Call(get_rel_name, tview);
        throw Error(sqlstate::kWrongObjectType, "\"" + std::string(name != nullptr ? name : "?") + "\" is not a TVIEW",
                    "", "pg_tviews_explain() describes tables created with CREATE TABLE ... USING tview_am AS SELECT.");
    }
    pg::Call(server::CheckOwnedOrReadable, tview);
    PG_RETURN_TEXT_P(pg::Call(server::ExplainTview, tview, static_cast<const char *>(format), tv));
}

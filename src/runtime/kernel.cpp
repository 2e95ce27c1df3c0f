// kernel.cpp: the interpreted refresh kernel.
//
// Regime: PostgreSQL side, C-style. One run handles one statement's changes of one source table
// for one TVIEW, in three steps:
//
// 1. Classify each changed source row. A change that only touches columns the TVIEW copies into
//    values becomes a *patch* of the TVIEW rows that depend on it: only the leaves (columns or
//    JSON paths) that read the changed columns are recomputed, from the new row itself. Anything
//    that can change which rows exist or which partner rows they join (inserts, deletes, keys,
//    foreign keys, columns read by filters) makes the dependent rows *recomputed* from the
//    sources. Columns the TVIEW does not read cost a datum comparison and nothing else.
//    Dependent TVIEW rows are found by walking the join edges backwards through indexes
//    (lineage derived from the sources: no extra storage).
// 2. Compute recomputed rows: fetch the root row and its partners through their key indexes,
//    share-locking every source row whose values are copied (concurrency rule 2), evaluate the
//    filters and the columns.
// 3. Apply, in key order (rule 4): lock each TVIEW row at its latest version (rule 1), then insert,
//    delete, update, or patch it through the executor's row path (indexes, HOT, constraints).
//
// Lookups of dependents use the latest committed state when the changed row is held by our own
// row lock (an update or delete): a transaction that re-points a row to it must first share-lock
// it, so it either committed before our lookup or copies our values after we commit. Inserts
// (no lock anyone else can see) and key changes use a dirty snapshot and wait (rule 3).
#include "runtime/kernel.hpp"

#include "am/tview_am.hpp"
#include "runtime/maintain.hpp"
#include "runtime/row_access.hpp"
#include "runtime/stats.hpp"
#include "runtime/tiers.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/executor.h"
#include "nodes/params.h"
#include "portability/instr_time.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "nodes/makefuncs.h"
#include "common/int.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "miscadmin.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace tviews::runtime {

namespace {

struct Patch {
    int node;
    HeapTuple tuple;    // the new version of the changed row
    Bitmapset *changed; // its changed attnos
    // Rows aggregated by a subquery (nodes with counters only): the row this change adds to the
    // parent's aggregate and the one it takes away (an update in place: both).
    HeapTuple added;
    HeapTuple removed;
};

struct Work {
    Datum *key;         // root key values, in key order
    bool recompute;
    List *patches;      // Patch *
    bool computed;
    bool present;       // recompute: whether the TVIEW row should exist
    Datum *values;      // recompute: the row it should be
    bool *nulls;
};

struct Run {
    CompiledTview *tv;
    MemoryContext cxt;
    bool compiled;            // this run's per-row programs run as native code
    KernelFigures figures;    // rows written, for the statistics and EXPLAIN ANALYZE
    double cascade_ms;        // time spent in the kernels of the TVIEWs reading this one
    RowKernels *kernels;      // per node
    kernel::Word *changed_words;  // an update program's output
    Relation *rels;           // per node
    Relation *key_indexes;    // per node: its by_key index
    Relation *fk_indexes;     // per node > 0: the parent's index on the edge's foreign key
    TupleTableSlot **slots;   // per node: rows fetched from it
    TupleTableSlot **heap_slots;  // per node: to hold transition tuples
    bool *present;            // per node, while computing a row
    TupleTableSlot *wide;
    ExprContext *econtext;
    Relation tview;
    Relation tview_index;
    TupleTableSlot *tview_old;
    TupleTableSlot *tview_new;
    EState *estate;
    ResultRelInfo *rri;
    EPQState epq;
    Work **work;
    int nwork;
    int capwork;
    Datum jsonb_null;
    ParamListInfo sublink_results;  // $k = the result of subquery k for the current row
    Snapshot latest;                // the registered snapshot kLatest reads use in this step
    Snapshot lineage;               // the one dependents were looked up with (step 1)
    Snapshot outer_latest;          // the enclosing kernel's (cascades), restored at the end
    // Changes written to this TVIEW, for the TVIEWs that read it (nullptr when none does).
    Tuplestorestate *inserted;
    Tuplestorestate *deleted;
    Tuplestorestate *updated_old;
    Tuplestorestate *updated_new;
};

/* ------------------------------------------------------------------------
 * Setup and teardown.
 * ------------------------------------------------------------------------ */

void OpenRun(Run *run, CompiledTview *tv) {
    run->tv = tv;
    int n = tv->nnodes;
    run->rels = static_cast<Relation *>(palloc0(sizeof(Relation) * n));
    run->key_indexes = static_cast<Relation *>(palloc0(sizeof(Relation) * n));
    run->fk_indexes = static_cast<Relation *>(palloc0(sizeof(Relation) * n));
    run->slots = static_cast<TupleTableSlot **>(palloc0(sizeof(TupleTableSlot *) * n));
    run->heap_slots = static_cast<TupleTableSlot **>(palloc0(sizeof(TupleTableSlot *) * n));
    run->present = static_cast<bool *>(palloc0(sizeof(bool) * n));
    for (int i = 0; i < n; i++) {
        const CompiledNode &node = tv->nodes[i];
        // RowShareLock: we share-lock rows of the sources we copy from.
        run->rels[i] = table_open(node.relid, RowShareLock);
        if (OidIsValid(node.by_key.index)) run->key_indexes[i] = index_open(node.by_key.index, AccessShareLock);
        run->slots[i] = table_slot_create(run->rels[i], nullptr);
        run->heap_slots[i] = MakeSingleTupleTableSlot(RelationGetDescr(run->rels[i]), &TTSOpsHeapTuple);
    }
    for (int i = 1; i < n; i++) run->fk_indexes[i] = index_open(tv->nodes[i].by_parent_fk.index, AccessShareLock);
    run->wide = MakeSingleTupleTableSlot(tv->wide_desc, &TTSOpsVirtual);
    run->econtext = CreateStandaloneExprContext();
    run->econtext->ecxt_scantuple = run->wide;
    run->sublink_results = makeParamList(tv->nsublinks);
    run->sublink_results->numParams = tv->nsublinks;
    for (int k = 0; k < tv->nsublinks; k++) {  // not computed yet: NULL of the right type
        run->sublink_results->params[k].isnull = true;
        run->sublink_results->params[k].ptype = tv->sublinks[k].result_type;
    }
    run->econtext->ecxt_param_list_info = run->sublink_results;

    run->tview = table_open(tv->tview, RowExclusiveLock);
    run->tview_index = index_open(tv->tview_by_key.index, RowExclusiveLock);
    run->tview_old = table_slot_create(run->tview, nullptr);
    run->tview_new = MakeSingleTupleTableSlot(RelationGetDescr(run->tview), &TTSOpsVirtual);

    EState *estate = CreateExecutorState();
    RangeTblEntry *rte = makeNode(RangeTblEntry);
    rte->rtekind = RTE_RELATION;
    rte->relid = tv->tview;
    rte->relkind = RELKIND_RELATION;
    rte->rellockmode = RowExclusiveLock;
    pg::InitRangeTable(estate, rte);
    estate->es_output_cid = GetCurrentCommandId(true);
    estate->es_snapshot = GetActiveSnapshot();
    run->rri = makeNode(ResultRelInfo);
    InitResultRelInfo(run->rri, run->tview, 1, nullptr, 0);
    ExecOpenIndices(run->rri, false);
    pg::InitEvalPlanQual(&run->epq, estate);
    run->estate = estate;
    if (tv->ndependents > 0) {
        run->inserted = tuplestore_begin_heap(false, false, work_mem);
        run->deleted = tuplestore_begin_heap(false, false, work_mem);
        run->updated_old = tuplestore_begin_heap(false, false, work_mem);
        run->updated_new = tuplestore_begin_heap(false, false, work_mem);
    }
    run->jsonb_null = DirectFunctionCall1(jsonb_in, CStringGetDatum("null"));
}

void CloseRun(Run *run) {
    CompiledTview *tv = run->tv;
    Tuplestorestate *stores[] = {run->inserted, run->deleted, run->updated_old, run->updated_new};
    for (Tuplestorestate *store : stores)
        if (store != nullptr) tuplestore_end(store);
    EvalPlanQualEnd(&run->epq);
    ExecCloseIndices(run->rri);
    ExecResetTupleTable(run->estate->es_tupleTable, false);
    FreeExecutorState(run->estate);
    ExecDropSingleTupleTableSlot(run->tview_old);
    ExecDropSingleTupleTableSlot(run->tview_new);
    index_close(run->tview_index, NoLock);
    table_close(run->tview, NoLock);
    FreeExprContext(run->econtext, true);
    ExecDropSingleTupleTableSlot(run->wide);
    for (int i = 0; i < tv->nnodes; i++) {
        ExecDropSingleTupleTableSlot(run->slots[i]);
        ExecDropSingleTupleTableSlot(run->heap_slots[i]);
        if (run->key_indexes[i] != nullptr) index_close(run->key_indexes[i], NoLock);
        if (i > 0) index_close(run->fk_indexes[i], NoLock);
        table_close(run->rels[i], NoLock);
    }
}

/* ------------------------------------------------------------------------
 * The wide row.
 * ------------------------------------------------------------------------ */

void ClearWide(Run *run) {
    TupleTableSlot *wide = run->wide;
    ExecClearTuple(wide);
    int natts = wide->tts_tupleDescriptor->natts;
    for (int i = 0; i < natts; i++) {
        wide->tts_values[i] = 0;
        wide->tts_isnull[i] = true;
    }
    ExecStoreVirtualTuple(wide);
}

void FillWide(Run *run, int node, TupleTableSlot *row) {
    const CompiledNode &n = run->tv->nodes[node];
    slot_getallattrs(row);
    for (int a = 0; a < n.natts; a++) {
        run->wide->tts_values[n.wide_offset + a] = row->tts_values[a];
        run->wide->tts_isnull[n.wide_offset + a] = row->tts_isnull[a];
    }
}

void NullWide(Run *run, int node) {
    const CompiledNode &n = run->tv->nodes[node];
    for (int a = 0; a < n.natts; a++) {
        run->wide->tts_values[n.wide_offset + a] = 0;
        run->wide->tts_isnull[n.wide_offset + a] = true;
    }
}

bool EvalTrue(Run *run, ExprState *state) {
    bool isnull;
    Datum result = ExecEvalExprSwitchContext(state, run->econtext, &isnull);
    return !isnull && DatumGetBool(result);
}

/* ------------------------------------------------------------------------
 * Subqueries of the select list: executed for the row in the wide slot.
 * ------------------------------------------------------------------------ */

// Runs subquery k with the current row's values as parameters, reading the latest committed
// child rows (plus our own): the caller holds the TVIEW row's lock, so any transaction that
// changed a child row of it before us has committed, and any later one will recompute after us.
// Takes a new latest snapshot for the kLatest reads of this kernel (registered, released at
// the end of the run or when replaced).
void RetakeLatest(Run *run) {
    if (run->latest != nullptr) UnregisterSnapshot(run->latest);
    run->latest = RegisterSnapshot(GetLatestSnapshot());
    UseLatestSnapshot(run->latest);
}

void RunSublink(Run *run, int k) {
    const CompiledSublink &s = run->tv->sublinks[k];
    ParamListInfo params = makeParamList(s.nparams);
    params->numParams = s.nparams;
    for (int i = 0; i < s.nparams; i++) {
        int attno = s.param_wide_attno[i];
        params->params[i].value = run->wide->tts_values[attno - 1];
        params->params[i].isnull = run->wide->tts_isnull[attno - 1];
        params->params[i].pflags = PARAM_FLAG_CONST;
        params->params[i].ptype = s.param_types[i];
    }
    Snapshot snapshot = RegisterSnapshot(run->latest != nullptr ? run->latest : GetLatestSnapshot());
    PushActiveSnapshot(snapshot);
    QueryDesc *query = CreateQueryDesc(s.plan, "pg_tviews subquery", snapshot, InvalidSnapshot, None_Receiver, params,
                                       nullptr, 0);
    ExecutorStart(query, 0);
    TupleTableSlot *slot = ExecProcNode(query->planstate);
    bool isnull = true;
    Datum value = 0;
    if (!TupIsNull(slot)) {
        value = slot_getattr(slot, 1, &isnull);
        if (!isnull) value = datumCopy(value, s.result_typbyval, s.result_typlen);
        if (!TupIsNull(ExecProcNode(query->planstate)))
            ereport(ERROR, (errcode(ERRCODE_CARDINALITY_VIOLATION),
                            errmsg("more than one row returned by a subquery used as an expression")));
    }
    ExecutorFinish(query);
    ExecutorEnd(query);
    FreeQueryDesc(query);
    PopActiveSnapshot();
    UnregisterSnapshot(snapshot);
    ParamExternData &result = run->sublink_results->params[k];
    result.value = value;
    result.isnull = isnull;
    result.pflags = PARAM_FLAG_CONST;
    result.ptype = s.result_type;
}

void RunSublinks(Run *run, const Bitmapset *which) {
    int k = -1;
    while ((k = bms_next_member(which, k)) >= 0) RunSublink(run, k);
}

void RunAllSublinks(Run *run) {
    for (int k = 0; k < run->tv->nsublinks; k++) RunSublink(run, k);
}

/* ------------------------------------------------------------------------
 * Step 1: which TVIEW rows a change touches.
 * ------------------------------------------------------------------------ */

void AddWork(Run *run, const Datum *key, bool recompute, Patch *patch) {
    CompiledTview *tv = run->tv;
    if (run->nwork == run->capwork) {
        run->capwork = run->capwork == 0 ? 64 : run->capwork * 2;
        run->work = run->work == nullptr
                        ? static_cast<Work **>(palloc(sizeof(Work *) * run->capwork))
                        : static_cast<Work **>(repalloc(run->work, sizeof(Work *) * run->capwork));
    }
    auto *w = static_cast<Work *>(palloc0(sizeof(Work)));
    w->key = static_cast<Datum *>(palloc(sizeof(Datum) * tv->nkey));
    TupleDesc desc = RelationGetDescr(run->tview);
    for (int i = 0; i < tv->nkey; i++) {
        Form_pg_attribute att = TupleDescAttr(desc, tv->key_columns[i]);
        w->key[i] = datumCopy(key[i], att->attbyval, att->attlen);
    }
    w->recompute = recompute;
    if (patch != nullptr) w->patches = list_make1(patch);
    run->work[run->nwork++] = w;
}

// Values of `attnos` in `row`; false if any is NULL (a NULL never joins).
bool KeyValues(TupleTableSlot *row, const AttrNumber *attnos, int n, Datum *out) {
    for (int i = 0; i < n; i++) {
        bool isnull;
        out[i] = slot_getattr(row, attnos[i], &isnull);
        if (isnull) return false;
    }
    return true;
}

struct CollectContext {
    Run *run;
    int node;  // the node whose rows the scan returns
    Visibility visibility;
    bool recompute;
    Patch *patch;
};

void CollectRoots(Run *run, int node, const Datum *values, Visibility visibility, bool recompute, Patch *patch);

bool CollectVisit(TupleTableSlot *row, void *arg) {
    auto *ctx = static_cast<CollectContext *>(arg);
    CompiledTview *tv = ctx->run->tv;
    const CompiledNode &n = tv->nodes[ctx->node];
    Datum values[INDEX_MAX_KEYS];
    if (ctx->node == 0) {
        if (KeyValues(row, tv->root_key, tv->nkey, values)) AddWork(ctx->run, values, ctx->recompute, ctx->patch);
    } else if (KeyValues(row, n.key_attnos, n.nkeys, values)) {
        CollectRoots(ctx->run, ctx->node, values, ctx->visibility, ctx->recompute, ctx->patch);
    }
    return true;
}

// The TVIEW rows that depend on the row of `node` whose edge key (key_attnos) is `values`: walks
// the edges up to the root through the parents' foreign-key indexes.
void CollectRoots(Run *run, int node, const Datum *values, Visibility visibility, bool recompute, Patch *patch) {
    if (node == 0) {
        AddWork(run, values, recompute, patch);
        return;
    }
    const CompiledNode &n = run->tv->nodes[node];
    // Rows aggregated by a subquery are not share-locked by the transaction that reads them
    // into a TVIEW row: one that is moving or inserting such a row may have copied our old
    // values. See it (dirty snapshot), wait for it, and follow the row where it went (rule 3).
    if (run->tv->nodes[n.parent].child_scope) visibility = Visibility::kDirtyWait;
    CollectContext ctx{run, n.parent, visibility, recompute, patch};
    ScanIndex(run->rels[n.parent], run->fk_indexes[node], &n.by_parent_fk, values, visibility, run->slots[n.parent],
              CollectVisit, &ctx);
}

// The values of `row` (a row of `node`) that find its dependents: the root's key, or the key the
// node's edge joins on. False if one is NULL. The node's key program, in this run's tier.
bool RowKey(Run *run, int node, TupleTableSlot *row, Datum *values) {
    const RowKernels &k = run->kernels[node];
    slot_getsomeattrs(row, k.key->natts);
    auto *v = reinterpret_cast<const kernel::Word *>(row->tts_values);
    auto *out = reinterpret_cast<kernel::Word *>(values);
    return (k.key_fn != nullptr ? k.key_fn(v, row->tts_isnull, out) : kernel::InterpretKey(*k.key, v, row->tts_isnull, out)) != 0;
}

// The TVIEW rows that depend on `row`, a row of `node`.
void CollectDependents(Run *run, int node, TupleTableSlot *row, Visibility visibility, bool recompute, Patch *patch) {
    Datum values[INDEX_MAX_KEYS];
    if (!RowKey(run, node, row, values)) return;
    if (node == 0) AddWork(run, values, recompute, patch);
    else CollectRoots(run, node, values, visibility, recompute, patch);
}

// The attnos among `of` whose values differ between two versions of a row.
Bitmapset *ChangedAttnos(TupleTableSlot *before, TupleTableSlot *after, Bitmapset *of, bool *all) {
    TupleDesc desc = before->tts_tupleDescriptor;
    Bitmapset *changed = nullptr;
    *all = false;
    int attno = -1;
    while ((attno = bms_next_member(of, attno)) >= 0) {
        if (attno == 0) {  // a whole-row reference: any change counts
            for (int a = 1; a <= desc->natts; a++) {
                Form_pg_attribute att = TupleDescAttr(desc, a - 1);
                if (att->attisdropped) continue;
                bool n1, n2;
                Datum d1 = slot_getattr(before, a, &n1), d2 = slot_getattr(after, a, &n2);
                if (n1 != n2 || (!n1 && !datumIsEqual(d1, d2, att->attbyval, att->attlen))) {
                    changed = bms_add_member(changed, a);
                    *all = true;
                }
            }
            continue;
        }
        Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
        bool n1, n2;
        Datum d1 = slot_getattr(before, attno, &n1), d2 = slot_getattr(after, attno, &n2);
        if (n1 != n2 || (!n1 && !datumIsEqual(d1, d2, att->attbyval, att->attlen))) changed = bms_add_member(changed, attno);
    }
    if (*all) changed = bms_add_member(changed, 0);
    return changed;
}

// A slot that reads a transition table (tuplestores hold minimal tuples).
TupleTableSlot *TransitionSlot(Run *run, int node) {
    return MakeSingleTupleTableSlot(RelationGetDescr(run->rels[node]), &TTSOpsMinimalTuple);
}

void ClassifyInsertOrDelete(Run *run, int node, Tuplestorestate *rows, bool insert) {
    TupleTableSlot *slot = TransitionSlot(run, node);
    tuplestore_rescan(rows);
    // An inserted row is invisible to others until we commit, so concurrent re-pointers cannot be
    // ordered by a lock on it: look dependents up with a dirty snapshot. A deleted row is held by
    // our delete's row lock.
    Visibility visibility = insert ? Visibility::kDirtyWait : Visibility::kLatest;
    while (tuplestore_gettupleslot(rows, true, false, slot)) CollectDependents(run, node, slot, visibility, true, nullptr);
    ExecDropSingleTupleTableSlot(slot);
}

Bitmapset *WordsToBitmapset(const kernel::Word *words, int natts) {
    Bitmapset *set = nullptr;
    for (int w = 0; w < kernel::ChangedWords(natts); w++)
        for (kernel::Word bits = words[w]; bits != 0; bits &= bits - 1)
            set = bms_add_member(set, w * 64 + __builtin_ctzll(bits));
    return set;
}

// The next (old, new) pair of an update's transition tables of `node`, what the change means for
// the TVIEW (a kernel::Verdict) and which of the columns it reads changed (nullptr: none). The
// node's update program in this run's tier; nodes read whole (to_jsonb(row)) take the generic
// path. False at the end.
bool NextChangedPair(Run *run, int node, Tuplestorestate *oldtab, Tuplestorestate *newtab, TupleTableSlot *before,
                     TupleTableSlot *after, Bitmapset **changed, int32 *verdict) {
    if (!tuplestore_gettupleslot(oldtab, true, false, before)) return false;
    if (!tuplestore_gettupleslot(newtab, true, false, after))
        elog(ERROR, "pg_tviews: transition tables of an update differ in length");
    const RowKernels &k = run->kernels[node];
    if (k.update != nullptr) {
        int natts = k.update->natts;
        slot_getsomeattrs(before, natts);
        slot_getsomeattrs(after, natts);
        auto *ov = reinterpret_cast<const kernel::Word *>(before->tts_values);
        auto *nv = reinterpret_cast<const kernel::Word *>(after->tts_values);
        *verdict = k.update_fn != nullptr
                       ? k.update_fn(ov, before->tts_isnull, nv, after->tts_isnull, run->changed_words)
                       : kernel::InterpretUpdate(*k.update, tviews_jit_datum_equal, ov, before->tts_isnull, nv,
                                                 after->tts_isnull, run->changed_words);
        *changed = *verdict == kernel::kUnchanged ? nullptr : WordsToBitmapset(run->changed_words, natts);
        return true;
    }
    const CompiledTview *tv = run->tv;
    const CompiledNode &n = tv->nodes[node];
    bool whole_row;
    *changed = ChangedAttnos(before, after, n.used, &whole_row);
    bool key_changed = false;
    if (node == 0) {
        for (int i = 0; i < tv->nkey; i++) key_changed |= bms_is_member(tv->root_key[i], *changed);
    } else {
        for (int i = 0; i < n.nkeys; i++) key_changed |= bms_is_member(n.key_attnos[i], *changed);
    }
    if (*changed == nullptr) *verdict = kernel::kUnchanged;
    else if (key_changed) *verdict = kernel::kKeyChanged;
    else if (bms_overlap(*changed, n.structural) || n.conditional) *verdict = kernel::kRecompute;
    else *verdict = kernel::kPatch;
    return true;
}

void ClassifyUpdate(Run *run, int node, Tuplestorestate *oldtab, Tuplestorestate *newtab) {
    TupleTableSlot *before = TransitionSlot(run, node);
    TupleTableSlot *after = TransitionSlot(run, node);
    tuplestore_rescan(oldtab);
    tuplestore_rescan(newtab);
    Bitmapset *changed;
    int32 verdict;
    while (NextChangedPair(run, node, oldtab, newtab, before, after, &changed, &verdict)) {
        if (verdict == kernel::kUnchanged) continue;  // nothing the TVIEW reads
        if (verdict == kernel::kKeyChanged) {
            // The rows that depended on the old key lose it; rows may now depend on the new key.
            CollectDependents(run, node, before, Visibility::kLatest, true, nullptr);
            CollectDependents(run, node, after, Visibility::kDirtyWait, true, nullptr);
        } else if (verdict == kernel::kRecompute) {
            // A structural column, or a row joined through a conditional edge (it may be linked
            // yet absent): recompute.
            CollectDependents(run, node, after, Visibility::kLatest, true, nullptr);
        } else {
            auto *patch = static_cast<Patch *>(palloc0(sizeof(Patch)));
            patch->node = node;
            patch->tuple = ExecCopySlotHeapTuple(after);
            patch->changed = changed;
            CollectDependents(run, node, after, Visibility::kLatest, false, patch);
        }
    }
    ExecDropSingleTupleTableSlot(before);
    ExecDropSingleTupleTableSlot(after);
}

// Rule 2 inside subqueries: before the aggregates of a parent are recomputed with a new or
// re-pointed child row, the rows that child joins to (its product, its author) are share-locked,
// so that a transaction renaming one of them either has committed (and is read) or waits for us
// (and then finds the child through the index). Recursively for the rows they join to.
void LockJoinedRows(Run *run, int node, TupleTableSlot *row) {
    CompiledTview *tv = run->tv;
    for (int d = 0; d < tv->nnodes; d++) {
        const CompiledNode &dim = tv->nodes[d];
        if (dim.parent != node || !OidIsValid(dim.by_key.index)) continue;  // joined to-one rows only
        Datum values[INDEX_MAX_KEYS];
        if (!KeyValues(row, dim.parent_attnos, dim.nkeys, values)) continue;
        if (FindAndLock(run->rels[d], run->key_indexes[d], &dim.by_key, values, LockTupleShare, run->slots[d]))
            LockJoinedRows(run, d, run->slots[d]);
    }
}

// A change of a row aggregated by a subquery (or of a row joined to it inside the subquery)
// patches the subquery's leaves in the TVIEW rows of its old and new parents. Counters
// (CompiledCounter) need the rows themselves: a moved row is taken from its old parent and added
// to its new one.
void ClassifyChild(Run *run, int node, ChangeKind kind, Tuplestorestate *oldtab, Tuplestorestate *newtab) {
    const CompiledNode &n = run->tv->nodes[node];
    auto make = [node, &n](Bitmapset *changed, TupleTableSlot *added, TupleTableSlot *removed) {
        auto *patch = static_cast<Patch *>(palloc0(sizeof(Patch)));
        patch->node = node;
        patch->changed = changed;
        if (n.counted) {
            if (added != nullptr) patch->added = ExecCopySlotHeapTuple(added);
            if (removed != nullptr) patch->removed = ExecCopySlotHeapTuple(removed);
        }
        return patch;
    };
    TupleTableSlot *before = TransitionSlot(run, node);
    TupleTableSlot *after = TransitionSlot(run, node);
    if (kind == ChangeKind::kInsert || kind == ChangeKind::kDelete) {
        bool insert = kind == ChangeKind::kInsert;
        Tuplestorestate *rows = insert ? newtab : oldtab;
        Visibility visibility = insert ? Visibility::kDirtyWait : Visibility::kLatest;
        tuplestore_rescan(rows);
        while (tuplestore_gettupleslot(rows, true, false, after)) {
            if (insert) LockJoinedRows(run, node, after);
            // Inserted or deleted: every leaf reading the row.
            Patch *patch = make(bms_make_singleton(0), insert ? after : nullptr, insert ? nullptr : after);
            CollectDependents(run, node, after, visibility, false, patch);
        }
    } else {
        tuplestore_rescan(oldtab);
        tuplestore_rescan(newtab);
        Bitmapset *changed;
        int32 verdict;
        while (NextChangedPair(run, node, oldtab, newtab, before, after, &changed, &verdict)) {
            if (verdict == kernel::kUnchanged) continue;
            bool moved = verdict == kernel::kKeyChanged;  // its correlation columns: another parent
            LockJoinedRows(run, node, after);
            if (moved) {
                CollectDependents(run, node, before, Visibility::kLatest, false, make(changed, nullptr, before));
                CollectDependents(run, node, after, Visibility::kLatest, false, make(changed, after, nullptr));
            } else {
                CollectDependents(run, node, after, Visibility::kLatest, false, make(changed, after, before));
            }
        }
    }
    ExecDropSingleTupleTableSlot(before);
    ExecDropSingleTupleTableSlot(after);
}

int CompareKeys(const Run *run, const Datum *a, const Datum *b) {
    const CompiledTview *tv = run->tv;
    for (int i = 0; i < tv->nkey; i++) {
        int c = DatumGetInt32(FunctionCall2Coll(&tv->key_compare[i], tv->key_collations[i], a[i], b[i]));
        if (c != 0) return c;
    }
    return 0;
}

int CompareWork(const void *a, const void *b, void *arg) {
    return CompareKeys(static_cast<const Run *>(arg), (*static_cast<Work *const *>(a))->key,
                       (*static_cast<Work *const *>(b))->key);
}

// Sorts the work by key (the lock order) and merges entries of the same TVIEW row.
void SortAndMerge(Run *run) {
    if (run->nwork == 0) return;
    qsort_arg(run->work, run->nwork, sizeof(Work *), CompareWork, run);
    int out = 0;
    for (int i = 1; i < run->nwork; i++) {
        Work *cur = run->work[out], *next = run->work[i];
        if (CompareKeys(run, cur->key, next->key) == 0) {
            cur->recompute |= next->recompute;
            cur->patches = list_concat(cur->patches, next->patches);
        } else {
            run->work[++out] = next;
        }
    }
    run->nwork = out + 1;
}

/* ------------------------------------------------------------------------
 * Step 2: computing a TVIEW row from the sources.
 * ------------------------------------------------------------------------ */

void ComputeRow(Run *run, Work *w) {
    CompiledTview *tv = run->tv;
    w->computed = true;
    w->present = false;
    ClearWide(run);
    // The root row, share-locked unless it is our own.
    if (!FindAndLock(run->rels[0], run->key_indexes[0], &tv->nodes[0].by_key, w->key, LockTupleShare,
                     run->slots[0]))
        return;
    FillWide(run, 0, run->slots[0]);
    run->present[0] = true;
    for (int i = 1; i < tv->nnodes; i++) {
        const CompiledNode &n = tv->nodes[i];
        if (n.child_scope) continue;  // aggregated by a subquery, not joined
        Datum values[INDEX_MAX_KEYS];
        bool found = run->present[n.parent] && KeyValues(run->slots[n.parent], n.parent_attnos, n.nkeys, values) &&
                     FindAndLock(run->rels[i], run->key_indexes[i], &n.by_key, values, LockTupleShare,
                                 run->slots[i]);
        if (found) {
            FillWide(run, i, run->slots[i]);
            for (int f = 0; found && f < n.nedge_filters; f++) found = EvalTrue(run, n.edge_filters[f]);
            if (!found) NullWide(run, i);
        }
        run->present[i] = found;
        if (!found && !n.left_join) return;
    }
    for (int f = 0; f < tv->nfilters; f++)
        if (!EvalTrue(run, tv->filters[f])) return;

    TupleDesc desc = RelationGetDescr(run->tview);
    RunAllSublinks(run);
    w->values = static_cast<Datum *>(palloc(sizeof(Datum) * tv->ncolumns));
    w->nulls = static_cast<bool *>(palloc(sizeof(bool) * tv->ncolumns));
    for (int c = 0; c < tv->ncolumns; c++) {
        Form_pg_attribute att = TupleDescAttr(desc, c);
        bool isnull;
        Datum value = ExecEvalExprSwitchContext(tv->columns[c], run->econtext, &isnull);
        w->nulls[c] = isnull;
        w->values[c] = isnull ? 0 : datumCopy(value, att->attbyval, att->attlen);
    }
    ResetExprContext(run->econtext);
    w->present = true;
}

// For patches whose leaves read other relations too: the latest committed versions of the root
// row and its partners (no locks: every writer of them locks this TVIEW row before patching it,
// and we read after holding that lock).
void FetchLatestChain(Run *run, const Datum *key) {
    CompiledTview *tv = run->tv;
    ClearWide(run);
    for (int i = 0; i < tv->nnodes; i++) run->present[i] = false;
    auto first = [](TupleTableSlot *, void *) { return false; };
    if (ScanIndex(run->rels[0], run->key_indexes[0], &tv->nodes[0].by_key, key, Visibility::kLatest, run->slots[0],
                  first, nullptr) == 0)
        return;
    FillWide(run, 0, run->slots[0]);
    run->present[0] = true;
    for (int i = 1; i < tv->nnodes; i++) {
        const CompiledNode &n = tv->nodes[i];
        if (n.child_scope) continue;
        Datum values[INDEX_MAX_KEYS];
        if (!run->present[n.parent] || !KeyValues(run->slots[n.parent], n.parent_attnos, n.nkeys, values)) continue;
        if (ScanIndex(run->rels[i], run->key_indexes[i], &n.by_key, values, Visibility::kLatest, run->slots[i], first,
                      nullptr) > 0) {
            FillWide(run, i, run->slots[i]);
            bool present = true;
            for (int f = 0; present && f < n.nedge_filters; f++) present = EvalTrue(run, n.edge_filters[f]);
            if (!present) NullWide(run, i);
            run->present[i] = present;
        }
    }
}

/* ------------------------------------------------------------------------
 * Step 3: applying to the TVIEW.
 * ------------------------------------------------------------------------ */

void StoreNew(Run *run, const Datum *values, const bool *nulls) {
    TupleTableSlot *slot = run->tview_new;
    ExecClearTuple(slot);
    int natts = slot->tts_tupleDescriptor->natts;
    for (int i = 0; i < natts; i++) {
        slot->tts_values[i] = values[i];
        slot->tts_isnull[i] = nulls[i];
    }
    ExecStoreVirtualTuple(slot);
}

bool SameAsExisting(Run *run, const Datum *values, const bool *nulls) {
    TupleTableSlot *old = run->tview_old;
    TupleDesc desc = old->tts_tupleDescriptor;
    slot_getallattrs(old);
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        if (old->tts_isnull[i] != nulls[i]) return false;
        if (nulls[i]) continue;
        if (datumIsEqual(old->tts_values[i], values[i], att->attbyval, att->attlen)) continue;
        // Same value, different representation (a TOASTed or compressed copy of the same document)?
        if (att->attlen == -1) {
            struct varlena *a = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(old->tts_values[i])));
            struct varlena *b = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(values[i])));
            if (VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
                memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0)
                continue;
        }
        return false;
    }
    return true;
}

void WriteInsert(Run *run, const Datum *values, const bool *nulls) {
    StoreNew(run, values, nulls);
    am::BeginEngineWrite();
    ExecSimpleRelationInsert(run->rri, run->estate, run->tview_new);
    am::EndEngineWrite();
    run->figures.rows_inserted++;
    if (run->inserted != nullptr) tuplestore_puttupleslot(run->inserted, run->tview_new);
}

// Updates the version of the TVIEW row in tview_old, waiting for a concurrent writer of it.
// Rule 1 without a separate row lock: if that version changed underneath us, returns false
// and the caller finds the latest version and applies its change to it again.
bool WriteUpdate(Run *run, const Datum *values, const bool *nulls) {
    StoreNew(run, values, nulls);
    Relation rel = run->tview;
    if (rel->rd_att->constr != nullptr) ExecConstraints(run->rri, run->tview_new, run->estate);
    CheckCmdReplicaIdentity(rel, CMD_UPDATE);
    TM_FailureData tmfd;
    LockTupleMode lockmode;
    pg::UpdateIndexes update_indexes;
    am::BeginEngineWrite();
    TM_Result result = table_tuple_update(rel, &run->tview_old->tts_tid, run->tview_new, run->estate->es_output_cid,
                                          run->estate->es_snapshot, InvalidSnapshot, true, &tmfd, &lockmode,
                                          &update_indexes);
    am::EndEngineWrite();
    switch (result) {
        case TM_Ok: break;
        case TM_Updated:
        case TM_Deleted:
            RetryOrSerializationFailure(rel);
            return false;
        case TM_SelfModified:
            elog(ERROR, "pg_tviews: a row of \"%s\" was changed twice by one command", RelationGetRelationName(rel));
        default:
            elog(ERROR, "pg_tviews: unexpected result %d updating a row of \"%s\"", static_cast<int>(result),
                 RelationGetRelationName(rel));
    }
    if (pg::IndexesNeedUpdate(update_indexes) && run->rri->ri_NumIndices > 0)
        pg::InsertIndexTuplesAfterUpdate(run->rri, run->tview_new, run->estate, update_indexes);
    if (run->updated_old != nullptr) {
        tuplestore_puttupleslot(run->updated_old, run->tview_old);
        tuplestore_puttupleslot(run->updated_new, run->tview_new);
    }
    return true;
}

bool WriteDelete(Run *run) {
    Relation rel = run->tview;
    CheckCmdReplicaIdentity(rel, CMD_DELETE);
    TM_FailureData tmfd;
    am::BeginEngineWrite();
    TM_Result result = table_tuple_delete(rel, &run->tview_old->tts_tid, run->estate->es_output_cid,
                                          run->estate->es_snapshot, InvalidSnapshot, true, &tmfd, false);
    am::EndEngineWrite();
    switch (result) {
        case TM_Ok: break;
        case TM_Updated:
        case TM_Deleted:
            RetryOrSerializationFailure(rel);
            return false;
        default:
            elog(ERROR, "pg_tviews: unexpected result %d deleting a row of \"%s\"", static_cast<int>(result),
                 RelationGetRelationName(rel));
    }
    if (run->deleted != nullptr) tuplestore_puttupleslot(run->deleted, run->tview_old);
    run->figures.rows_deleted++;
    return true;
}

// False when the TVIEW row changed underneath us (READ COMMITTED): find it again and retry.
bool ApplyRecompute(Run *run, Work *w, bool exists) {
    if (!w->computed) ComputeRow(run, w);
    if (exists && !w->present) return WriteDelete(run);
    if (!exists && w->present) WriteInsert(run, w->values, w->nulls);
    else if (exists && w->present && !SameAsExisting(run, w->values, w->nulls)) {
        if (!WriteUpdate(run, w->values, w->nulls)) return false;
        run->figures.rows_recomputed++;
    }
    return true;
}

bool LeafAffectedBy(const CompiledLeaf &leaf, const Patch *p) {
    if (leaf.value == nullptr || !bms_is_member(p->node, leaf.input_nodes)) return false;
    Bitmapset *reads = leaf.input_attnos[p->node];
    return bms_is_member(0, reads) || bms_is_member(0, p->changed) || bms_overlap(reads, p->changed);
}

bool LeafAffected(const CompiledLeaf &leaf, List *patches) {
    ListCell *lc;
    foreach (lc, patches)
        if (LeafAffectedBy(leaf, static_cast<Patch *>(lfirst(lc)))) return true;
    return false;
}

// The aggregate's value in the TVIEW row as it is (tview_old): the column, or the number at the
// leaf's JSON path. False if it is not there as it should be (the subquery runs instead).
bool CurrentCount(Run *run, const CompiledLeaf &leaf, Oid type, Datum *value, bool *isnull) {
    TupleTableSlot *old = run->tview_old;
    if (leaf.path == 0) {
        *value = old->tts_values[leaf.column];
        *isnull = old->tts_isnull[leaf.column];
        return true;
    }
    if (old->tts_isnull[leaf.column]) return false;
    bool missing;
    Datum found = jsonb_get_element(DatumGetJsonbP(old->tts_values[leaf.column]), leaf.path_elems, leaf.npath,
                                    &missing, false);
    if (missing) return false;
    JsonbValue scalar;
    if (!JsonbExtractScalar(&DatumGetJsonbP(found)->root, &scalar)) return false;
    if (scalar.type == jbvNull) {
        *isnull = true;
        *value = 0;
        return true;
    }
    if (scalar.type != jbvNumeric) return false;
    *isnull = false;
    *value = type == INT8OID ? DirectFunctionCall1(numeric_int8, NumericGetDatum(scalar.val.numeric))
                             : NumericGetDatum(scalar.val.numeric);
    return true;
}

// A counter's new value: its current value in the TVIEW row plus what the row's patches add and
// take away. False when it cannot be known from the change: a removal that may leave a sum
// NULL, an overflow, a change from elsewhere reaching the leaf, no current value, or a current
// value this transaction wrote.
bool CounterValue(Run *run, Work *w, const CompiledLeaf &leaf, Datum *value, bool *isnull) {
    const CompiledCounter &c = leaf.counter;
    TupleDesc child = RelationGetDescr(run->rels[c.node]);
    Oid type = c.kind == CounterKind::kSumInt8 ? NUMERICOID : INT8OID;
    int64 delta = 0;           // counts and sum(int2/int4)
    Datum delta_numeric = 0;   // sum(int8)
    bool summed = false;       // a non-NULL value was added
    bool removed_value = false;
    ListCell *lc;
    foreach (lc, w->patches) {
        auto *p = static_cast<Patch *>(lfirst(lc));
        if (p->node != c.node) {
            if (LeafAffectedBy(leaf, p)) return false;
            continue;
        }
        if (p->added == nullptr && p->removed == nullptr) return false;
        bool anull = true, rnull = true;
        Datum a = 0, r = 0;
        if (c.kind != CounterKind::kCountStar) {
            if (p->added != nullptr) a = heap_getattr(p->added, c.attno, child, &anull);
            if (p->removed != nullptr) r = heap_getattr(p->removed, c.attno, child, &rnull);
        }
        switch (c.kind) {
            case CounterKind::kCountStar:
                delta += (p->added != nullptr) - (p->removed != nullptr);
                break;
            case CounterKind::kCountColumn:
                delta += (p->added != nullptr && !anull) - (p->removed != nullptr && !rnull);
                break;
            case CounterKind::kSumInt:
            case CounterKind::kSumInt8: {
                if (!rnull && anull) return false;  // may have been the last non-NULL value
                if (anull) break;
                summed = true;
                removed_value |= !rnull;
                if (c.kind == CounterKind::kSumInt8) {
                    Datum d = DirectFunctionCall1(int8_numeric, a);
                    if (!rnull) d = DirectFunctionCall2(numeric_sub, d, DirectFunctionCall1(int8_numeric, r));
                    delta_numeric = delta_numeric == 0 ? d : DirectFunctionCall2(numeric_add, delta_numeric, d);
                } else {
                    int64 av = TupleDescAttr(child, c.attno - 1)->atttypid == INT2OID ? DatumGetInt16(a) : DatumGetInt32(a);
                    int64 rv = rnull ? 0 : (TupleDescAttr(child, c.attno - 1)->atttypid == INT2OID ? DatumGetInt16(r)
                                                                                                  : DatumGetInt32(r));
                    if (pg_add_s64_overflow(delta, av - rv, &delta)) return false;
                }
                break;
            }
            case CounterKind::kNone: return false;
        }
    }
    // The value in the row must be one our changes have not reached yet: a row version written by
    // another (committed) transaction. One this transaction wrote may have run the subquery
    // after these child rows changed (a cascade or a CTE changed parent and children in one
    // statement, and the parent's kernel ran first): adding the change again would count it twice.
    HeapTuple current_version = ExecFetchSlotHeapTuple(run->tview_old, false, nullptr);
    if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(current_version->t_data))) return false;
    Datum current;
    bool current_null;
    if (!CurrentCount(run, leaf, type, &current, &current_null)) return false;
    if (c.kind == CounterKind::kCountStar || c.kind == CounterKind::kCountColumn) {
        int64 result;
        if (current_null || pg_add_s64_overflow(DatumGetInt64(current), delta, &result) || result < 0) return false;
        *value = Int64GetDatum(result);
        *isnull = false;
        return true;
    }
    if (!summed) {  // nothing added or taken: the sum stays
        *value = current;
        *isnull = current_null;
        return true;
    }
    if (current_null) {
        if (removed_value) return false;  // a value taken from a NULL sum: not what the row says
        current = c.kind == CounterKind::kSumInt8 ? DirectFunctionCall1(int8_numeric, Int64GetDatum(0)) : Int64GetDatum(0);
    }
    if (c.kind == CounterKind::kSumInt8) {
        *value = DirectFunctionCall2(numeric_add, current, delta_numeric);
    } else {
        int64 result;
        if (pg_add_s64_overflow(DatumGetInt64(current), delta, &result)) return false;
        *value = Int64GetDatum(result);
    }
    *isnull = false;
    return true;
}

bool ApplyPatches(Run *run, Work *w) {
    CompiledTview *tv = run->tv;
    TupleDesc desc = RelationGetDescr(run->tview);
    slot_getallattrs(run->tview_old);
    // Which leaves to recompute, and whether they need more than the changed rows themselves.
    // Counters are computed from the change right away.
    bool *affected = static_cast<bool *>(palloc0(sizeof(bool) * (tv->nleaves + 1)));
    bool *counted = static_cast<bool *>(palloc0(sizeof(bool) * (tv->nleaves + 1)));
    Datum *counts = static_cast<Datum *>(palloc0(sizeof(Datum) * (tv->nleaves + 1)));
    bool *count_nulls = static_cast<bool *>(palloc0(sizeof(bool) * (tv->nleaves + 1)));
    bool need_chain = false;
    bool any = false;
    for (int l = 0; l < tv->nleaves; l++) {
        if (!LeafAffected(tv->leaves[l], w->patches)) continue;
        affected[l] = any = true;
        if (tv->leaves[l].counter.kind != CounterKind::kNone &&
            CounterValue(run, w, tv->leaves[l], &counts[l], &count_nulls[l])) {
            counted[l] = true;
            run->figures.counters_from_change++;
            continue;
        }
        int node = -1;
        while ((node = bms_next_member(tv->leaves[l].input_nodes, node)) >= 0) {
            bool patched = false;
            ListCell *lc;
            foreach (lc, w->patches) {
                auto *p = static_cast<Patch *>(lfirst(lc));
                patched |= p->node == node && p->tuple != nullptr;
            }
            if (!patched || tv->nodes[node].child_scope) need_chain = true;
        }
    }
    if (!any) return true;
    if (need_chain) {
        FetchLatestChain(run, w->key);
    } else {
        ClearWide(run);
        ListCell *lc;
        foreach (lc, w->patches) {
            auto *p = static_cast<Patch *>(lfirst(lc));
            if (p->tuple == nullptr) continue;
            ExecStoreHeapTuple(p->tuple, run->heap_slots[p->node], false);
            FillWide(run, p->node, run->heap_slots[p->node]);
        }
    }

    Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * desc->natts));
    bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * desc->natts));
    memcpy(values, run->tview_old->tts_values, sizeof(Datum) * desc->natts);
    memcpy(nulls, run->tview_old->tts_isnull, sizeof(bool) * desc->natts);
    for (int l = 0; l < tv->nleaves; l++) {
        if (!affected[l]) continue;
        const CompiledLeaf &leaf = tv->leaves[l];
        Form_pg_attribute att = TupleDescAttr(desc, leaf.column);
        if (counted[l]) {  // the counter's value stands in for its subquery's result
            ParamExternData &param = run->sublink_results->params[leaf.counter.sublink];
            param.value = counts[l];
            param.isnull = count_nulls[l];
            param.pflags = PARAM_FLAG_CONST;
            param.ptype = tv->sublinks[leaf.counter.sublink].result_type;
        } else {
            RunSublinks(run, leaf.sublinks);
        }
        bool isnull;
        Datum value = ExecEvalExprSwitchContext(leaf.value, run->econtext, &isnull);
        if (leaf.path == 0) {
            nulls[leaf.column] = isnull;
            values[leaf.column] = isnull ? 0 : datumCopy(value, att->attbyval, att->attlen);
        } else if (!nulls[leaf.column]) {
            values[leaf.column] = DirectFunctionCall4(jsonb_set, values[leaf.column], leaf.path,
                                                      isnull ? run->jsonb_null : value, BoolGetDatum(true));
        }
    }
    ResetExprContext(run->econtext);
    if (SameAsExisting(run, values, nulls)) return true;
    if (!WriteUpdate(run, values, nulls)) return false;
    run->figures.rows_patched++;
    return true;
}

// Whether the TVIEW row version in tview_old was written by a transaction the lineage lookup
// could not see (it committed after step 1 began). Its row may no longer depend on the source
// row being patched (a concurrent re-pointing of the row to another partner): it is recomputed.
bool NewerThanLineage(Run *run) {
    HeapTuple tuple = ExecFetchSlotHeapTuple(run->tview_old, false, nullptr);
    TransactionId xmin = HeapTupleHeaderGetXmin(tuple->t_data);
    if (!TransactionIdIsNormal(xmin) || TransactionIdIsCurrentTransactionId(xmin)) return false;
    return XidInMVCCSnapshot(xmin, run->lineage);
}

void Apply(Run *run) {
    CompiledTview *tv = run->tv;
    // The lookups of step 1 used the current latest snapshot: keep it to judge row versions.
    run->lineage = RegisterSnapshot(run->latest);
    RetakeLatest(run);  // everything committed before we look for the rows
    for (int i = 0; i < run->nwork; i++) {
        Work *w = run->work[i];
        for (;;) {
            bool exists = FindLatest(run->tview, run->tview_index, &tv->tview_by_key, w->key, run->tview_old);
            if (exists && !w->recompute && NewerThanLineage(run)) {
                w->recompute = true;
                w->computed = false;
            }
            bool done = w->recompute ? ApplyRecompute(run, w, exists) : (!exists || ApplyPatches(run, w));
            if (done) break;
            CHECK_FOR_INTERRUPTS();
            RetakeLatest(run);  // the row changed underneath us: look again at the newer state
            // Aggregates of child rows read at compute time may be older than the row now: redo them.
            if (tv->nsublinks > 0) w->computed = false;
        }
    }
}

// Hands the changes just written to this TVIEW to the kernels of the TVIEWs that read it, as if
// they came from a source's transition tables (each runs as its own owner, with its settings).
void Cascade(Run *run) {
    CompiledTview *tv = run->tv;
    instr_time start;
    INSTR_TIME_SET_CURRENT(start);
    for (int i = 0; i < tv->ndependents; i++) {
        CompiledTview *dependent = GetCompiledTview(tv->dependents[i]);
        if (dependent == nullptr || !dependent->populated) continue;
        OwnerContext owner;
        EnterOwnerContext(dependent->owner, dependent->settings, &owner);
        if (tuplestore_tuple_count(run->deleted) > 0)
            RunKernel(dependent, tv->tview, ChangeKind::kDelete, run->deleted, nullptr);
        if (tuplestore_tuple_count(run->updated_old) > 0)
            RunKernel(dependent, tv->tview, ChangeKind::kUpdate, run->updated_old, run->updated_new);
        if (tuplestore_tuple_count(run->inserted) > 0)
            RunKernel(dependent, tv->tview, ChangeKind::kInsert, nullptr, run->inserted);
        LeaveOwnerContext(&owner);
    }
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, start);
    run->cascade_ms += INSTR_TIME_GET_MILLISEC(elapsed);
}

}  // namespace

void RunKernel(CompiledTview *tv, Oid source, ChangeKind kind, Tuplestorestate *oldtab, Tuplestorestate *newtab) {
    instr_time start;
    INSTR_TIME_SET_CURRENT(start);
    MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_tviews kernel", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(cxt);
    // Make the statement's own changes visible to our lookups and locks.
    CommandCounterIncrement();
    Run run = {};
    run.cxt = cxt;
    OpenRun(&run, tv);
    run.compiled = StartKernelRun(tv, source, kind);
    run.kernels = static_cast<RowKernels *>(palloc0(sizeof(RowKernels) * tv->nnodes));
    int natts = 0;
    for (int node = 0; node < tv->nnodes; node++) {
        run.kernels[node] = NodeKernels(tv, node, run.compiled);
        if (run.kernels[node].update != nullptr) natts = Max(natts, run.kernels[node].update->natts);
    }
    run.changed_words = static_cast<kernel::Word *>(palloc0(sizeof(kernel::Word) * kernel::ChangedWords(natts)));
    run.outer_latest = UseLatestSnapshot(nullptr);
    RetakeLatest(&run);  // taken after our own row locks on the changed rows (see the header)
    for (int node = 0; node < tv->nnodes; node++) {
        if (tv->nodes[node].relid != source) continue;
        if (tv->nodes[node].child_scope) {
            ClassifyChild(&run, node, kind, oldtab, newtab);
            continue;
        }
        switch (kind) {
            case ChangeKind::kInsert: ClassifyInsertOrDelete(&run, node, newtab, true); break;
            case ChangeKind::kDelete: ClassifyInsertOrDelete(&run, node, oldtab, false); break;
            case ChangeKind::kUpdate: ClassifyUpdate(&run, node, oldtab, newtab); break;
        }
    }
    SortAndMerge(&run);
    // Rows to recompute read (and share-lock) their sources before any TVIEW row is locked.
    // (TVIEWs aggregating child rows compute them in the next step, once the row is found: the
    // aggregate must include every child committed by then.)
    if (tv->nsublinks == 0)
        for (int i = 0; i < run.nwork; i++)
            if (run.work[i]->recompute) ComputeRow(&run, run.work[i]);
    Apply(&run);
    if (tv->ndependents > 0) Cascade(&run);
    UnregisterSnapshot(run.latest);
    if (run.lineage != nullptr) UnregisterSnapshot(run.lineage);
    UseLatestSnapshot(run.outer_latest);
    CloseRun(&run);
    MemoryContextSwitchTo(old);
    MemoryContextDelete(cxt);
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, start);
    run.figures.time_ms = INSTR_TIME_GET_MILLISEC(elapsed) - run.cascade_ms;
    run.figures.compiled = run.compiled;
    RecordKernelRun(tv->tview, source, run.figures);
}

}  // namespace tviews::runtime

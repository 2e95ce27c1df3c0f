// kernel.cpp: running a kernel: one statement's changes of one source table applied to one TVIEW.
//
// Regime: PostgreSQL side, C-style. A kernel is (TVIEW, source, kind of change); one run handles
// one statement's changes, in three steps:
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

#include "runtime/counters.hpp"
#include "runtime/patch.hpp"
#include "runtime/stats.hpp"
#include "runtime/tiers.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "nodes/params.h"
#include "portability/instr_time.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "miscadmin.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace tviews::runtime {

namespace {

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
    NodePrograms *programs;   // per node, in this run's tier
    program::Word *changed_words;  // an update program's output
    Relation *rels;           // per node
    Relation *key_indexes;    // per node: its by_key index
    Relation *fk_indexes;     // per node > 0: the parent's index on the edge's foreign key
    TupleTableSlot **slots;   // per node: rows fetched from it
    TupleTableSlot **heap_slots;  // per node: to hold transition tuples
    bool *present;            // per node, while computing a row
    TupleTableSlot *wide;
    ExprContext *econtext;
    TviewWriter writer;       // the TVIEW; writer.current holds the row version being changed
    Work **work;
    int nwork;
    int capwork;
    Datum jsonb_null;
    ParamListInfo sublink_results;  // $k = the result of subquery k for the current row
    Snapshot latest;                // the registered snapshot kLatest reads use in this step
    Snapshot lineage;               // the one dependents were looked up with (step 1)
};

/* ------------------------------------------------------------------------
 * Setup and teardown.
 * ------------------------------------------------------------------------ */

void OpenRun(Run *run, CompiledTview *tv, WrittenRows *written) {
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

    OpenTviewWriter(&run->writer, tv->tview, tv->tview_by_key.index, written);
    run->jsonb_null = DirectFunctionCall1(jsonb_in, CStringGetDatum("null"));
}

void CloseRun(Run *run) {
    CompiledTview *tv = run->tv;
    CloseTviewWriter(&run->writer);
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
    Snapshot snapshot = RegisterSnapshot(run->latest);
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
    TupleDesc desc = RelationGetDescr(run->writer.rel);
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
    ScanIndex(run->rels[n.parent], run->fk_indexes[node], &n.by_parent_fk, values, visibility, run->latest,
              run->slots[n.parent], CollectVisit, &ctx);
}

// The values of `row` (a row of `node`) that find its dependents: the root's key, or the key the
// node's edge joins on. False if one is NULL.
bool RowKey(Run *run, int node, TupleTableSlot *row, Datum *values) {
    const NodePrograms &k = run->programs[node];
    slot_getsomeattrs(row, k.key->natts);
    return k.Key(reinterpret_cast<const program::Word *>(row->tts_values), row->tts_isnull,
                 reinterpret_cast<program::Word *>(values));
}

// The TVIEW rows that depend on `row`, a row of `node`.
void CollectDependents(Run *run, int node, TupleTableSlot *row, Visibility visibility, bool recompute, Patch *patch) {
    Datum values[INDEX_MAX_KEYS];
    if (!RowKey(run, node, row, values)) return;
    if (node == 0) AddWork(run, values, recompute, patch);
    else CollectRoots(run, node, values, visibility, recompute, patch);
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

Bitmapset *WordsToBitmapset(const program::Word *words, int natts) {
    Bitmapset *set = nullptr;
    for (int w = 0; w < program::ChangedWords(natts); w++)
        for (program::Word bits = words[w]; bits != 0; bits &= bits - 1)
            set = bms_add_member(set, w * 64 + __builtin_ctzll(bits));
    return set;
}

// The next (old, new) pair of an update's transition tables of `node`, what the change means for
// the TVIEW (a program::Verdict) and which of the columns it reads changed (nullptr: none; 0 added
// when the node is read whole). False at the end.
bool NextChangedPair(Run *run, int node, Tuplestorestate *oldtab, Tuplestorestate *newtab, TupleTableSlot *before,
                     TupleTableSlot *after, Bitmapset **changed, int32 *verdict) {
    if (!tuplestore_gettupleslot(oldtab, true, false, before)) return false;
    if (!tuplestore_gettupleslot(newtab, true, false, after))
        elog(ERROR, "pg_tviews: transition tables of an update differ in length");
    const NodePrograms &k = run->programs[node];
    int natts = k.update->natts;
    slot_getsomeattrs(before, natts);
    slot_getsomeattrs(after, natts);
    *verdict = k.Classify(reinterpret_cast<const program::Word *>(before->tts_values), before->tts_isnull,
                          reinterpret_cast<const program::Word *>(after->tts_values), after->tts_isnull,
                          run->changed_words);
    *changed = nullptr;
    if (*verdict != program::kUnchanged) {
        *changed = WordsToBitmapset(run->changed_words, natts);
        if (k.whole_row) *changed = bms_add_member(*changed, 0);
    }
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
        if (verdict == program::kUnchanged) continue;  // nothing the TVIEW reads
        if (verdict == program::kKeyChanged) {
            // The rows that depended on the old key lose it; rows may now depend on the new key.
            CollectDependents(run, node, before, Visibility::kLatest, true, nullptr);
            CollectDependents(run, node, after, Visibility::kDirtyWait, true, nullptr);
        } else if (verdict == program::kRecompute) {
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
            if (verdict == program::kUnchanged) continue;
            bool moved = verdict == program::kKeyChanged;  // its correlation columns: another parent
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

    TupleDesc desc = RelationGetDescr(run->writer.rel);
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
    if (ScanIndex(run->rels[0], run->key_indexes[0], &tv->nodes[0].by_key, key, Visibility::kLatest, run->latest,
                  run->slots[0], first, nullptr) == 0)
        return;
    FillWide(run, 0, run->slots[0]);
    run->present[0] = true;
    for (int i = 1; i < tv->nnodes; i++) {
        const CompiledNode &n = tv->nodes[i];
        if (n.child_scope) continue;
        Datum values[INDEX_MAX_KEYS];
        if (!run->present[n.parent] || !KeyValues(run->slots[n.parent], n.parent_attnos, n.nkeys, values)) continue;
        if (ScanIndex(run->rels[i], run->key_indexes[i], &n.by_key, values, Visibility::kLatest, run->latest,
                      run->slots[i], first, nullptr) > 0) {
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

// False when the TVIEW row changed underneath us (READ COMMITTED): find it again and retry.
bool ApplyRecompute(Run *run, Work *w, bool exists) {
    if (!w->computed) ComputeRow(run, w);
    if (exists && !w->present) {
        if (!WriteDelete(&run->writer)) return false;
        run->figures.rows_deleted++;
    } else if (!exists && w->present) {
        WriteInsert(&run->writer, w->values, w->nulls);
        run->figures.rows_inserted++;
    } else if (exists && w->present && !SameAsCurrent(&run->writer, w->values, w->nulls)) {
        if (!WriteUpdate(&run->writer, w->values, w->nulls)) return false;
        run->figures.rows_recomputed++;
    }
    return true;
}

bool LeafAffectedBy(const CompiledLeaf &leaf, const Patch *p) {
    if (leaf.value == nullptr || !bms_is_member(p->node, leaf.input_nodes)) return false;
    Bitmapset *reads = leaf.input_attnos[p->node];
    return bms_is_member(0, reads) || bms_is_member(0, p->changed) || bms_overlap(reads, p->changed);
}

// Whether a patch of a node other than the counter's own reaches the leaf (then the counter's
// value is not the change's alone: its subquery runs).
bool ReachedFromElsewhere(const CompiledLeaf &leaf, List *patches) {
    ListCell *lc;
    foreach (lc, patches) {
        auto *p = static_cast<Patch *>(lfirst(lc));
        if (p->node != leaf.counter.node && LeafAffectedBy(leaf, p)) return true;
    }
    return false;
}

bool LeafAffected(const CompiledLeaf &leaf, List *patches) {
    ListCell *lc;
    foreach (lc, patches)
        if (LeafAffectedBy(leaf, static_cast<Patch *>(lfirst(lc)))) return true;
    return false;
}

bool ApplyPatches(Run *run, Work *w) {
    CompiledTview *tv = run->tv;
    TupleTableSlot *current = run->writer.current;
    TupleDesc desc = current->tts_tupleDescriptor;
    slot_getallattrs(current);
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
        const CompiledCounter &counter = tv->leaves[l].counter;
        if (counter.kind != CounterKind::kNone && !ReachedFromElsewhere(tv->leaves[l], w->patches) &&
            CounterFromChange(tv->leaves[l], RelationGetDescr(run->rels[counter.node]), w->patches, current,
                              &counts[l], &count_nulls[l])) {
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
    memcpy(values, current->tts_values, sizeof(Datum) * desc->natts);
    memcpy(nulls, current->tts_isnull, sizeof(bool) * desc->natts);
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
    if (SameAsCurrent(&run->writer, values, nulls)) return true;
    if (!WriteUpdate(&run->writer, values, nulls)) return false;
    run->figures.rows_patched++;
    return true;
}

// Whether the TVIEW row version in writer.current was written by a transaction the lineage lookup
// could not see (it committed after step 1 began). Its row may no longer depend on the source
// row being patched (a concurrent re-pointing of the row to another partner): it is recomputed.
bool NewerThanLineage(Run *run) {
    HeapTuple tuple = ExecFetchSlotHeapTuple(run->writer.current, false, nullptr);
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
            bool exists = FindLatest(run->writer.rel, run->writer.key_index, &tv->tview_by_key, w->key, run->latest,
                                     run->writer.current);
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

}  // namespace

void RunKernel(CompiledTview *tv, Oid source, ChangeKind kind, Tuplestorestate *oldtab, Tuplestorestate *newtab,
               WrittenRows *written) {
    instr_time start;
    INSTR_TIME_SET_CURRENT(start);
    MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_tviews kernel", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(cxt);
    // Make the statement's own changes visible to our lookups and locks.
    CommandCounterIncrement();
    Run run = {};
    run.cxt = cxt;
    OpenRun(&run, tv, written);
    run.compiled = StartKernelRun(tv, source, kind);
    run.programs = static_cast<NodePrograms *>(palloc0(sizeof(NodePrograms) * tv->nnodes));
    int natts = 0;
    for (int node = 0; node < tv->nnodes; node++) {
        run.programs[node] = ProgramsOf(tv, node, run.compiled);
        natts = Max(natts, run.programs[node].update->natts);
    }
    run.changed_words = static_cast<program::Word *>(palloc0(sizeof(program::Word) * program::ChangedWords(natts)));
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
    UnregisterSnapshot(run.latest);
    if (run.lineage != nullptr) UnregisterSnapshot(run.lineage);
    CloseRun(&run);
    MemoryContextSwitchTo(old);
    MemoryContextDelete(cxt);
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, start);
    run.figures.time_ms = INSTR_TIME_GET_MILLISEC(elapsed);
    run.figures.compiled = run.compiled;
    RecordKernelRun(tv->tview, source, run.figures);
}

}  // namespace tviews::runtime

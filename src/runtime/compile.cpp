// compile.cpp: from a TVIEW's catalog row to the CompiledTview its kernels run (see
// compiled_tview.hpp).
//
// Regime: PostgreSQL side. The C++ part runs the planner (pure C++) on the catalog's query tree
// and converts its RefreshPlan into palloc'd structures; the C-style helpers it reaches through
// pg::Call resolve indexes, compile expressions over the wide row with the executor
// (ExecInitExpr) and plan the subqueries of the select list once (pg_plan_query).
#include "runtime/compile.hpp"

#include "runtime/tiers.hpp"
#include "boundary/guard.hpp"
#include "catalog/catalog.hpp"
#include "catalog/relations.hpp"
#include "core/error.hpp"
#include "definition/query_shape.hpp"
#include "planner/planner.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_aggregate_d.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type_d.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "tcop/tcopprot.h"
#include "nodes/nodeFuncs.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

#include <string>
#include <vector>

namespace tviews::runtime {

namespace {

Query *ReadQueryTree(const char *text) { return castNode(Query, stringToNode(text)); }

bool OwnerCanSelect(Oid owner, Oid relid, AttrNumber attno) {
    if (pg_class_aclcheck(relid, owner, ACL_SELECT) == ACLCHECK_OK) return true;
    return attno > 0 && pg_attribute_aclcheck(relid, attno, owner, ACL_SELECT) == ACLCHECK_OK;
}

Oid RelOwner(Oid relid) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for relation %u", relid);
    Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
    ReleaseSysCache(tuple);
    return owner;
}


// The lookup index of `relid` on `attnos` (catalog::FindLookupIndex), with what scanning it with
// the values of `attnos` needs: the column each index key reads, equality procedures, collations.
// Fills `out` in `cxt`; false if there is no such index.
bool ResolveIndexKey(Oid relid, const AttrNumber *attnos, int n, bool unique, MemoryContext cxt, IndexKey *out) {
    Oid index_oid = catalog::FindLookupIndex(relid, attnos, n, unique);
    if (!OidIsValid(index_oid)) return false;
    Relation index = index_open(index_oid, AccessShareLock);
    Form_pg_index form = index->rd_index;
    out->index = index_oid;
    out->nkeys = n;
    out->value_of_column = static_cast<int *>(MemoryContextAlloc(cxt, sizeof(int) * n));
    out->eq_procs = static_cast<RegProcedure *>(MemoryContextAlloc(cxt, sizeof(RegProcedure) * n));
    out->collations = static_cast<Oid *>(MemoryContextAlloc(cxt, sizeof(Oid) * n));
    bool ok = true;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++)
            if (form->indkey.values[i] == attnos[j]) out->value_of_column[i] = j;
        Oid op = get_opfamily_member(index->rd_opfamily[i], index->rd_opcintype[i], index->rd_opcintype[i],
                                     BTEqualStrategyNumber);
        if (!OidIsValid(op)) ok = false;
        else out->eq_procs[i] = get_opcode(op);
        out->collations[i] = index->rd_indcollation[i];
    }
    index_close(index, AccessShareLock);
    return ok;
}

void ResolveKeyCompare(Oid index_oid, int n, MemoryContext cxt, FmgrInfo **compare, Oid **collations) {
    Relation index = index_open(index_oid, AccessShareLock);
    *compare = static_cast<FmgrInfo *>(MemoryContextAllocZero(cxt, sizeof(FmgrInfo) * n));
    *collations = static_cast<Oid *>(MemoryContextAlloc(cxt, sizeof(Oid) * n));
    for (int i = 0; i < n; i++) {
        Oid proc = get_opfamily_proc(index->rd_opfamily[i], index->rd_opcintype[i], index->rd_opcintype[i], BTORDER_PROC);
        if (!OidIsValid(proc)) elog(ERROR, "no btree comparison function for pg_tviews key column %d", i + 1);
        fmgr_info_cxt(proc, &(*compare)[i], cxt);
        (*collations)[i] = index->rd_indcollation[i];
    }
    index_close(index, AccessShareLock);
}

// Remaps the Vars of a flattened definition expression (varno = shape relation + 1) onto the wide
// row (varno 1, varattno = wide offset + attno). A whole-row Var becomes a ROW() of the relation.
struct RemapContext {
    const int *node_of_rel;
    const int *wide_offset;  // per node
    const Oid *relid;        // per node
    List *sublinks;          // SubLinks met so far (one parameter each)
    Bitmapset *used;         // the ones the expression being compiled evaluates
};

// The position of a node equal to `node` in `list`, appending it if there is none (the same
// subquery compiled in a column and in one of its leaves is planned and run once).
int PositionOrAppend(List **list, Node *node) {
    int i = 0;
    ListCell *lc;
    foreach (lc, *list) {
        if (equal(lfirst(lc), node)) return i;
        i++;
    }
    *list = lappend(*list, node);
    return i;
}

Node *RemapMutator(Node *node, void *context) {
    if (node == nullptr) return nullptr;
    auto *ctx = static_cast<RemapContext *>(context);
    if (IsA(node, Var)) {
        Var *var = castNode(Var, node);
        int n = ctx->node_of_rel[var->varno - 1];
        if (var->varattno == 0) {
            Oid relid = ctx->relid[n];
            Relation rel = table_open(relid, AccessShareLock);
            TupleDesc desc = RelationGetDescr(rel);
            RowExpr *row = makeNode(RowExpr);
            for (int i = 0; i < desc->natts; i++) {
                Form_pg_attribute att = TupleDescAttr(desc, i);
                if (att->attisdropped) {
                    row->args = lappend(row->args, makeNullConst(INT4OID, -1, InvalidOid));
                } else {
                    row->args = lappend(row->args, makeVar(1, ctx->wide_offset[n] + att->attnum, att->atttypid,
                                                           att->atttypmod, att->attcollation, 0));
                }
                row->colnames = lappend(row->colnames, makeString(pstrdup(NameStr(att->attname))));
            }
            row->row_typeid = var->vartype;
            row->row_format = COERCE_IMPLICIT_CAST;
            row->location = -1;
            table_close(rel, AccessShareLock);
            return reinterpret_cast<Node *>(row);
        }
        Var *copy = static_cast<Var *>(copyObject(var));
        copy->varno = 1;
        if (var->varlevelsup != 0) elog(ERROR, "pg_tviews: unexpected outer reference");
        copy->varattno = static_cast<AttrNumber>(ctx->wide_offset[n] + var->varattno);
        copy->varnosyn = 0;
        copy->varattnosyn = 0;
        return reinterpret_cast<Node *>(copy);
    }
    if (IsA(node, SubLink)) {
        // Evaluated beforehand by the kernel; the expression reads its result as a parameter.
        int index = PositionOrAppend(&ctx->sublinks, node);
        ctx->used = bms_add_member(ctx->used, index);
        Param *param = makeNode(Param);
        param->paramkind = PARAM_EXTERN;
        param->paramid = index + 1;
        param->paramtype = exprType(node);
        param->paramtypmod = exprTypmod(node);
        param->paramcollid = exprCollation(node);
        param->location = -1;
        return reinterpret_cast<Node *>(param);
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(RemapMutator), context);
}

// Compiles an expression over the wide row; `as_jsonb` wraps non-jsonb values in to_jsonb(),
// which converts exactly as jsonb_build_object does for its values.
ExprState *CompileExpr(Node *expr, RemapContext *ctx, bool as_jsonb, MemoryContext cxt) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    ctx->used = nullptr;
    // A deep copy first: the mutator copies Consts shallowly, and `expr` does not outlive the
    // statement that compiled it.
    Node *remapped = RemapMutator(static_cast<Node *>(copyObject(expr)), ctx);
    if (as_jsonb && exprType(remapped) != JSONBOID)
        remapped = reinterpret_cast<Node *>(makeFuncExpr(F_TO_JSONB, JSONBOID, list_make1(remapped), InvalidOid,
                                                         InvalidOid, COERCE_EXPLICIT_CALL));
    ExprState *state = ExecInitExpr(reinterpret_cast<::Expr *>(remapped), nullptr);
    MemoryContextSwitchTo(old);
    return state;
}

// Outer references of a subquery (Vars pointing out of it, to the flattened TVIEW level) become
// parameters $1, $2, ...
struct OuterContext {
    List *vars;  // distinct outer Vars, in parameter order
    int depth;
};

Node *OuterVarMutator(Node *node, void *context) {
    if (node == nullptr) return nullptr;
    auto *ctx = static_cast<OuterContext *>(context);
    if (IsA(node, Var) && static_cast<int>(castNode(Var, node)->varlevelsup) == ctx->depth + 1) {
        Var *var = castNode(Var, node);
        if (var->varattno <= 0)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("whole-row references in a subquery of a TVIEW are not supported"),
                            errhint("Name the columns.")));
        int index = 0;
        bool found = false;
        ListCell *lc;
        foreach (lc, ctx->vars) {
            Var *known = static_cast<Var *>(lfirst(lc));
            if (known->varno == var->varno && known->varattno == var->varattno) {
                found = true;
                break;
            }
            index++;
        }
        if (!found) ctx->vars = lappend(ctx->vars, var);
        Param *param = makeNode(Param);
        param->paramkind = PARAM_EXTERN;
        param->paramid = index + 1;
        param->paramtype = var->vartype;
        param->paramtypmod = var->vartypmod;
        param->paramcollid = var->varcollid;
        param->location = -1;
        return reinterpret_cast<Node *>(param);
    }
    if (IsA(node, Query)) {
        ctx->depth++;
        Node *result = reinterpret_cast<Node *>(
            query_tree_mutator(castNode(Query, node), reinterpret_cast<Node *(*)()>(OuterVarMutator), context, 0));
        ctx->depth--;
        return result;
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(OuterVarMutator), context);
}

// Plans a subquery of the select list once, with its outer references as parameters.
void PlanSublink(SubLink *sublink, const RemapContext *remap, MemoryContext cxt, CompiledSublink *out) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    OuterContext outer{NIL, 0};
    Query *query = castNode(Query, copyObject(sublink->subselect));
    query = reinterpret_cast<Query *>(
        query_tree_mutator(query, reinterpret_cast<Node *(*)()>(OuterVarMutator), &outer, 0));
    query->canSetTag = true;
    out->plan = pg_plan_query(query, nullptr, 0, nullptr);
    out->nparams = list_length(outer.vars);
    out->param_wide_attno = static_cast<int *>(palloc(sizeof(int) * (out->nparams + 1)));
    out->param_types = static_cast<Oid *>(palloc(sizeof(Oid) * (out->nparams + 1)));
    int i = 0;
    ListCell *lc;
    foreach (lc, outer.vars) {
        Var *var = static_cast<Var *>(lfirst(lc));
        int node = remap->node_of_rel[var->varno - 1];
        out->param_wide_attno[i] = remap->wide_offset[node] + var->varattno;
        out->param_types[i] = var->vartype;
        i++;
    }
    out->result_type = exprType(reinterpret_cast<Node *>(sublink));
    get_typlenbyval(out->result_type, &out->result_typlen, &out->result_typbyval);
    MemoryContextSwitchTo(old);
}


// The elements of a text[] path, for jsonb_get_element.
Datum *PathElements(Datum path, int *n, MemoryContext cxt) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    Datum *elems;
    bool *nulls;
    deconstruct_array(DatumGetArrayTypeP(path), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
    MemoryContextSwitchTo(old);
    return elems;
}

Datum MakePath(char **elems, int n, MemoryContext cxt) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    Datum *datums = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; i++) datums[i] = CStringGetTextDatum(elems[i]);
    Datum path = PointerGetDatum(construct_array(datums, n, TEXTOID, -1, false, TYPALIGN_INT));
    MemoryContextSwitchTo(old);
    return path;
}

TupleDesc BuildWideDesc(const Oid *relids, int n, int *wide_offset, int *natts, MemoryContext cxt) {
    int total = 0;
    for (int i = 0; i < n; i++) {
        Relation rel = table_open(relids[i], AccessShareLock);
        wide_offset[i] = total;
        natts[i] = RelationGetDescr(rel)->natts;
        total += natts[i];
        table_close(rel, AccessShareLock);
    }
    MemoryContext old = MemoryContextSwitchTo(cxt);
    TupleDesc wide = CreateTemplateTupleDesc(total);
    for (int i = 0; i < n; i++) {
        Relation rel = table_open(relids[i], AccessShareLock);
        TupleDesc desc = RelationGetDescr(rel);
        for (int a = 0; a < desc->natts; a++) TupleDescCopyEntry(wide, wide_offset[i] + a + 1, desc, a + 1);
        table_close(rel, AccessShareLock);
    }
    MemoryContextSwitchTo(old);
    return wide;
}

void *Alloc(MemoryContext cxt, Size size) { return MemoryContextAllocZero(cxt, size); }

// The TVIEWs maintained from `tview` (a cascade): the ones whose pg_tviews triggers are on it.
List *DependentTviews(Oid tview) {
    Relation rel = table_open(tview, AccessShareLock);
    List *out = NIL;
    TriggerDesc *triggers = rel->trigdesc;
    for (int i = 0; triggers != nullptr && i < triggers->numtriggers; i++) {
        Trigger *t = &triggers->triggers[i];
        if (t->tgnargs != 1 || !t->tgisinternal) continue;
        char *name = get_func_name(t->tgfoid);
        Oid nsp = get_func_namespace(t->tgfoid);
        char *nspname = get_namespace_name(nsp);
        if (name == nullptr || nspname == nullptr || strcmp(name, "maintain") != 0 || strcmp(nspname, "tviews") != 0)
            continue;
        out = list_append_unique_oid(out, static_cast<Oid>(strtoul(t->tgargs[0], nullptr, 10)));
    }
    table_close(rel, AccessShareLock);
    return out;
}

Bitmapset *CopyBitmap(const Bitmapset *set, MemoryContext cxt) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    Bitmapset *copy = bms_copy(set);
    MemoryContextSwitchTo(old);
    return copy;
}

Bitmapset *AddMember(Bitmapset *set, int x, MemoryContext cxt) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    set = bms_add_member(set, x);
    MemoryContextSwitchTo(old);
    return set;
}

/* ------------------------------------------------------------------------
 * C++ build.
 * ------------------------------------------------------------------------ */

template <typename T>
T *AllocArray(MemoryContext cxt, size_t n) {
    return static_cast<T *>(pg::Call(Alloc, cxt, Size(sizeof(T) * (n + 1))));
}

// What the kernels do with a changed row of each node (KernelStep), from the node's keys and
// structural columns and the leaves reading it: the same facts the per-row programs classify by.
void DescribeSteps(CompiledTview *tv) {
    MemoryContext old = MemoryContextSwitchTo(tv->context);
    for (int n = 0; n < tv->nnodes; n++) {
        CompiledNode &node = tv->nodes[n];
        Bitmapset *recomputing = bms_union(node.structural, node.keys);
        for (int kind = 0; kind < 3; kind++) {
            KernelStep &step = node.steps[kind];
            auto change = static_cast<ChangeKind>(kind);
            if (node.child_scope)
                step.action = "recomputes the aggregates reading the row in its parents (counts and integer sums from the change)";
            else if (change == ChangeKind::kInsert)
                step.action = n == 0 ? "computes the new TVIEW rows" : "recomputes the TVIEW rows that reach the row";
            else if (change == ChangeKind::kDelete)
                step.action = n == 0 ? "deletes the TVIEW rows" : "recomputes the TVIEW rows that reached the row";
            else
                step.action = "patches the leaves reading changed columns; recomputes on a change of a structural column";
            if (change == ChangeKind::kUpdate && !node.child_scope)
                step.recomputes_on = bms_intersect(recomputing, node.used);
            // Leaves rewritten from the change: for an update of a joined row, those reading a column
            // that is neither key nor structural; for a row aggregated by a subquery, every leaf reading it.
            if (change != ChangeKind::kUpdate && !node.child_scope) continue;
            step.patched_leaves = static_cast<int *>(palloc(sizeof(int) * (tv->nleaves + 1)));
            step.patched_reads = static_cast<Bitmapset **>(palloc(sizeof(Bitmapset *) * (tv->nleaves + 1)));
            for (int l = 0; l < tv->nleaves; l++) {
                const CompiledLeaf &leaf = tv->leaves[l];
                if (leaf.value == nullptr || !bms_is_member(n, leaf.input_nodes)) continue;
                Bitmapset *reads = leaf.input_attnos[n];
                if (!node.child_scope) reads = bms_difference(reads, recomputing);
                if (bms_is_empty(reads) && !node.child_scope) continue;
                step.patched_leaves[step.npatched] = l;
                step.patched_reads[step.npatched] = reads;
                step.npatched++;
            }
        }
    }
    MemoryContextSwitchTo(old);
}

CounterKind CounterKindOf(planner::Counter::Kind kind) {
    switch (kind) {
        case planner::Counter::Kind::kCountStar: return CounterKind::kCountStar;
        case planner::Counter::Kind::kCountColumn: return CounterKind::kCountColumn;
        case planner::Counter::Kind::kSumInt: return CounterKind::kSumInt;
        case planner::Counter::Kind::kSumInt8: return CounterKind::kSumInt8;
        case planner::Counter::Kind::kNone: break;
    }
    return CounterKind::kNone;
}

}  // namespace

void CompileTview(CompiledTview *tv, const catalog::TviewRow *row) {
    MemoryContext cxt = tv->context;
    if (!row->attached)
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "TVIEW " + std::string(pg::Call(get_rel_name, tv->tview)) + " is not attached to its sources",
                    "It was loaded from a dump and its definition cannot be maintained yet (a unique key of a source "
                    "may be missing).",
                    "Create the missing keys, then run SELECT pg_tviews_reattach('" +
                        std::string(pg::Call(get_rel_name, tv->tview)) + "').");

    Query *query = pg::Call(ReadQueryTree, static_cast<const char *>(row->query_tree));
    definition::AnalyzedDefinition def = definition::AnalyzeDefinition(query);
    planner::PlanResult result = planner::BuildPlan(def.shape);
    if (auto *refusal = std::get_if<planner::Refusal>(&result))
        throw Error(sqlstate::kObjectNotInPrerequisiteState, "TVIEW definition can no longer be maintained",
                    refusal->message, "Drop the TVIEW and create it again.");
    const planner::RefreshPlan &plan = std::get<planner::RefreshPlan>(result);

    tv->owner = pg::Call(RelOwner, tv->tview);
    tv->name = pg::Call(MemoryContextStrdup, cxt, static_cast<const char *>(pg::Call(catalog::QualifiedName, tv->tview)));
    tv->settings = pg::Call(MemoryContextStrdup, cxt, static_cast<const char *>(row->settings));
    tv->definition = pg::Call(MemoryContextStrdup, cxt,
                              static_cast<const char *>(pg::Call(catalog::CurrentDefinition,
                                                                 static_cast<const char *>(row->query_tree))));
    tv->populated = row->populated;

    const int nnodes = static_cast<int>(plan.nodes.size());
    tv->nnodes = nnodes;
    tv->nodes = AllocArray<CompiledNode>(cxt, nnodes);
    std::vector<Oid> node_relid(nnodes);
    std::vector<int> node_of_rel(def.shape.relations.size(), -1);
    for (int n = 0; n < nnodes; n++) {
        node_relid[n] = def.relids[plan.nodes[n].rel];
        node_of_rel[plan.nodes[n].rel] = n;
    }
    std::vector<int> wide_offset(nnodes), natts(nnodes);
    tv->wide_desc = pg::Call(BuildWideDesc, static_cast<const Oid *>(node_relid.data()), nnodes, wide_offset.data(),
                             natts.data(), cxt);
    RemapContext remap{node_of_rel.data(), wide_offset.data(), node_relid.data(), NIL, nullptr};

    // Nodes and their edges.
    for (int n = 0; n < nnodes; n++) {
        const planner::PlanNode &pn = plan.nodes[n];
        CompiledNode &cn = tv->nodes[n];
        cn.relid = node_relid[n];
        cn.parent = pn.parent;
        cn.left_join = pn.left_join;
        cn.child_scope = pn.scope > 0;
        cn.wide_offset = wide_offset[n];
        cn.natts = natts[n];
        const std::vector<int> &key = n == 0 ? plan.root_key : pn.key_attnos;
        cn.nkeys = static_cast<int>(key.size());
        cn.key_attnos = AllocArray<AttrNumber>(cxt, cn.nkeys);
        cn.parent_attnos = AllocArray<AttrNumber>(cxt, cn.nkeys);
        for (int i = 0; i < cn.nkeys; i++) {
            cn.key_attnos[i] = static_cast<AttrNumber>(key[i]);
            if (n > 0) cn.parent_attnos[i] = static_cast<AttrNumber>(pn.parent_attnos[i]);
        }
        if (cn.child_scope && plan.nodes[pn.parent].scope < pn.scope) {
            // The rows a subquery aggregates are read by the subquery, never fetched by key.
            cn.by_key.index = InvalidOid;
        } else if (!pg::Call(ResolveIndexKey, cn.relid, static_cast<const AttrNumber *>(cn.key_attnos), cn.nkeys, true,
                             cxt, &cn.by_key))
            throw Error(sqlstate::kObjectNotInPrerequisiteState,
                        "TVIEW " + std::string(tv->name) + " lost the unique index of a source it joins",
                        "No valid unique index of " + std::string(pg::Call(catalog::QualifiedName, cn.relid)) +
                            " covers the join key.",
                        "Recreate the unique index or primary key.");
        if (n > 0) {
            Oid parent_relid = node_relid[pn.parent];
            if (!pg::Call(ResolveIndexKey, parent_relid, static_cast<const AttrNumber *>(cn.parent_attnos), cn.nkeys,
                          false, cxt, &cn.by_parent_fk))
                throw Error(sqlstate::kObjectNotInPrerequisiteState,
                            "TVIEW " + std::string(tv->name) + " lost an index it maintains itself through",
                            "No valid btree index of " + std::string(pg::Call(catalog::QualifiedName, parent_relid)) +
                                " leads with the columns that join " +
                                std::string(pg::Call(catalog::QualifiedName, cn.relid)) + ".",
                            "Create an index on those columns.");
        }
        for (int a : plan.UsedAttnos(n)) {
            cn.used = pg::Call(AddMember, cn.used, a, cxt);
            // Maintenance reads as the owner: losing SELECT stops it (as it stops REFRESH).
            if (tv->privilege_error == nullptr && !pg::Call(OwnerCanSelect, tv->owner, cn.relid, AttrNumber(a)))
                tv->privilege_error = pg::Call(MemoryContextStrdup, cxt,
                                               static_cast<const char *>(pg::Call(catalog::QualifiedName, cn.relid)));
        }
        for (int a : plan.StructuralAttnos(n)) cn.structural = pg::Call(AddMember, cn.structural, a, cxt);
        for (int i = 0; i < cn.nkeys; i++) cn.keys = pg::Call(AddMember, cn.keys, int(cn.key_attnos[i]), cxt);
        cn.nchildren = static_cast<int>(pn.children.size());
        cn.children = AllocArray<int>(cxt, cn.nchildren);
        for (int i = 0; i < cn.nchildren; i++) cn.children[i] = pn.children[i];
        cn.nedge_filters = static_cast<int>(pn.edge_filters.size());
        cn.conditional = cn.nedge_filters > 0 || (pn.parent >= 0 && tv->nodes[pn.parent].conditional);
        cn.edge_filters = AllocArray<ExprState *>(cxt, cn.nedge_filters);
        for (int i = 0; i < cn.nedge_filters; i++)
            cn.edge_filters[i] =
                pg::Call(CompileExpr, def.nodes[plan.predicates[pn.edge_filters[i]].handle], &remap, false, cxt);
    }

    // Columns, leaves, filters.
    tv->ncolumns = static_cast<int>(plan.columns.size());
    tv->columns = AllocArray<ExprState *>(cxt, tv->ncolumns);
    for (int c = 0; c < tv->ncolumns; c++)
        tv->columns[c] = pg::Call(CompileExpr, def.nodes[plan.columns[c].handle], &remap, false, cxt);
    tv->nleaves = static_cast<int>(plan.leaves.size());
    tv->leaves = AllocArray<CompiledLeaf>(cxt, tv->nleaves);
    for (int l = 0; l < tv->nleaves; l++) {
        const planner::Leaf &pl = plan.leaves[l];
        CompiledLeaf &cl = tv->leaves[l];
        cl.column = pl.column;
        cl.input_attnos = AllocArray<Bitmapset *>(cxt, nnodes);
        for (const planner::Input &in : pl.inputs) {
            cl.input_nodes = pg::Call(AddMember, cl.input_nodes, in.node, cxt);
            cl.input_attnos[in.node] = pg::Call(AddMember, cl.input_attnos[in.node], in.attno, cxt);
        }
        if (pl.inputs.empty()) continue;  // a constant: never changes, never compiled
        bool json_path = !pl.path.empty();
        if (json_path) {
            std::vector<char *> elems;
            for (const std::string &p : pl.path) elems.push_back(const_cast<char *>(p.c_str()));
            cl.path = pg::Call(MakePath, elems.data(), static_cast<int>(elems.size()), cxt);
            cl.path_elems = pg::Call(PathElements, cl.path, &cl.npath, cxt);
        }
        cl.value = pg::Call(CompileExpr, def.nodes[pl.handle], &remap, json_path, cxt);
        cl.sublinks = pg::Call(CopyBitmap, static_cast<const Bitmapset *>(remap.used), cxt);
        // A counter (planner::Counter) stands for the one subquery the leaf evaluates.
        if (pl.counter.kind != planner::Counter::Kind::kNone &&
            pg::Call(bms_num_members, static_cast<const Bitmapset *>(cl.sublinks)) == 1) {
            cl.counter.kind = CounterKindOf(pl.counter.kind);
            cl.counter.node = pl.counter.node;
            cl.counter.attno = static_cast<AttrNumber>(pl.counter.attno);
            cl.counter.sublink = pg::Call(bms_singleton_member, static_cast<const Bitmapset *>(cl.sublinks));
            tv->nodes[cl.counter.node].counted = true;
        }
    }
    std::vector<int> filters;
    for (size_t p = 0; p < plan.predicates.size(); p++)
        if (plan.predicates[p].edge_of < 0 && plan.predicates[p].scope == 0) filters.push_back(static_cast<int>(p));
    tv->nfilters = static_cast<int>(filters.size());
    tv->filters = AllocArray<ExprState *>(cxt, tv->nfilters);
    for (int i = 0; i < tv->nfilters; i++)
        tv->filters[i] = pg::Call(CompileExpr, def.nodes[plan.predicates[filters[i]].handle], &remap, false, cxt);

    // The subqueries met while compiling, planned once with their outer references as parameters.
    tv->nsublinks = list_length(remap.sublinks);
    tv->sublinks = AllocArray<CompiledSublink>(cxt, tv->nsublinks);
    for (int i = 0; i < tv->nsublinks; i++)
        pg::Call(PlanSublink, static_cast<SubLink *>(list_nth(remap.sublinks, i)),
                 static_cast<const RemapContext *>(&remap), cxt, &tv->sublinks[i]);

    // The TVIEW's own key.
    tv->nkey = static_cast<int>(plan.key_columns.size());
    tv->key_columns = AllocArray<int>(cxt, tv->nkey);
    tv->root_key = AllocArray<AttrNumber>(cxt, tv->nkey);
    std::vector<AttrNumber> tview_key_attnos(tv->nkey);
    for (int i = 0; i < tv->nkey; i++) {
        tv->key_columns[i] = plan.key_columns[i];
        tv->root_key[i] = static_cast<AttrNumber>(plan.root_key[i]);
        tview_key_attnos[i] = static_cast<AttrNumber>(plan.key_columns[i] + 1);
    }
    if (!pg::Call(ResolveIndexKey, tv->tview, static_cast<const AttrNumber *>(tview_key_attnos.data()), tv->nkey, true,
                  cxt, &tv->tview_by_key))
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "TVIEW " + std::string(tv->name) + " has no unique index on its key",
                    "pg_tviews finds TVIEW rows through the unique index it created on the key columns.",
                    "Recreate it with pg_tviews_refresh() after creating a unique index on the key columns.");
    pg::Call(ResolveKeyCompare, tv->tview_by_key.index, tv->nkey, cxt, &tv->key_compare, &tv->key_collations);

    std::vector<Oid> sources(node_relid.begin(), node_relid.end());
    sources.insert(sources.end(), def.views.begin(), def.views.end());
    tv->nsources = static_cast<int>(sources.size());
    tv->sources = AllocArray<Oid>(cxt, sources.size());
    for (size_t i = 0; i < sources.size(); i++) tv->sources[i] = sources[i];
    List *dependents = pg::Call(DependentTviews, tv->tview);
    tv->ndependents = pg::Call(list_length, static_cast<const List *>(dependents));
    tv->dependents = AllocArray<Oid>(cxt, tv->ndependents);
    for (int i = 0; i < tv->ndependents; i++) tv->dependents[i] = pg::Call(list_nth_oid, static_cast<const List *>(dependents), i);
    pg::Call(DescribeSteps, tv);
    BuildProgramSet(tv);
    tv->valid = true;
}


}  // namespace tviews::runtime

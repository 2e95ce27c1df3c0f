// query_shape.cpp: see query_shape.hpp.
//
// Regime: PostgreSQL side. Two layers: C-style helpers (static functions taking and returning
// palloc'd data; they may ereport, own no C++ objects and are always reached through pg::Call)
// and the C++ translation into planner types, which calls PostgreSQL only through those helpers.
// Callbacks handed to PostgreSQL (tree walkers and mutators) are C-style too: a C++ exception
// must never unwind through PostgreSQL's frames.
#include "definition/query_shape.hpp"

#include "boundary/guard.hpp"
#include "core/error.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate_d.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type_d.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parsetree.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "rewrite/rewriteManip.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/syscache.h"
}

#include <algorithm>
#include <string>

namespace tviews::definition {

namespace {

using planner::Construct;
using planner::FromItem;
using planner::FunctionRef;
using planner::Volatility;
using ShapeExpr = planner::Expr;

/* ------------------------------------------------------------------------
 * C-style helpers (PostgreSQL regime).
 * ------------------------------------------------------------------------ */

// One query level being flattened: per range-table index, the shape relation it became or the
// flattened subquery level it expands to.
struct Level {
    Query *query;
    int *rel_index;  // [rti] -> shape relation index, -1 if none
    Level **sub;     // [rti] -> subquery level, nullptr if none
    Level *parent;   // the enclosing query level (for outer references), nullptr at the top
    bool global;     // the flattened world itself: its Vars already use shape relation indexes
};

// The level whose Vars are already flattened (varno = shape relation index + 1): the parent of
// a subquery of the select list, once the select list itself has been flattened.
Level *GlobalLevel() {
    auto *level = static_cast<Level *>(palloc0(sizeof(Level)));
    level->global = true;
    return level;
}

Level *NewLevel(Query *query) {
    int n = list_length(query->rtable) + 1;
    auto *level = static_cast<Level *>(palloc0(sizeof(Level)));
    level->query = query;
    level->rel_index = static_cast<int *>(palloc(sizeof(int) * n));
    for (int i = 0; i < n; i++) level->rel_index[i] = -1;
    level->sub = static_cast<Level **>(palloc0(sizeof(Level *) * n));
    return level;
}

// The context of the flattening mutator: the level Vars at depth 0 belong to, and how many
// subquery boundaries (of subqueries kept whole, the select list's scalar subqueries) we are in.
struct FlattenContext {
    Level *level;
    int depth;
};

Node *FlattenMutator(Node *node, void *context);

Node *FlattenIn(Node *node, Level *level) {
    FlattenContext ctx{level, 0};
    return FlattenMutator(node, &ctx);
}

// The flattened form of a level-0 Var of `level`.
Node *FlattenVar(Var *var, Level *level) {
    if (level->global) return reinterpret_cast<Node *>(copyObject(var));
    RangeTblEntry *rte = rt_fetch(var->varno, level->query->rtable);
    if (level->rel_index[var->varno] >= 0) {
        if (var->varattno < 0)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("system column references are not supported in a TVIEW definition"),
                            errdetail("System columns such as ctid and xmin change without the row changing."),
                            errhint("Select user columns only.")));
        Var *flat = static_cast<Var *>(copyObject(var));
        flat->varno = level->rel_index[var->varno] + 1;
        flat->varnosyn = flat->varno;
        flat->varattnosyn = flat->varattno;
        return reinterpret_cast<Node *>(flat);
    }
    if (var->varattno == 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("whole-row references to views, subqueries and joins are not supported in a "
                               "TVIEW definition"),
                        errdetail("Only whole rows of tables can be read as a value."),
                        errhint("Name the columns, for example with jsonb_build_object.")));
    if (level->sub[var->varno] != nullptr) {
        Level *sub = level->sub[var->varno];
        TargetEntry *tle = static_cast<TargetEntry *>(list_nth(sub->query->targetList, var->varattno - 1));
        return FlattenIn(reinterpret_cast<Node *>(copyObject(tle->expr)), sub);
    }
    if (rte->rtekind == RTE_JOIN) {
        Node *alias = static_cast<Node *>(list_nth(rte->joinaliasvars, var->varattno - 1));
        return FlattenIn(static_cast<Node *>(copyObject(alias)), level);
    }
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("unsupported reference in a TVIEW definition"),
                    errdetail("A column refers to a construct of the FROM clause pg_tviews does not maintain."),
                    errhint("Join tables and views directly, each on its key.")));
}

// Replaces every Var by the expression it stands for over base relations: a Var of a view or
// subquery by the flattened select-list entry, a join alias by its input, a base relation's Var
// by a Var whose varno is the shape relation index + 1. Scalar subqueries of the select list are
// kept whole; only their references to the flattened levels are rewritten (with the Var's
// levels-up adjusted to point out of the subquery).
Node *FlattenMutator(Node *node, void *context) {
    auto *ctx = static_cast<FlattenContext *>(context);
    if (node == nullptr) return nullptr;
    if (IsA(node, Var)) {
        Var *var = castNode(Var, node);
        if (static_cast<int>(var->varlevelsup) < ctx->depth) return reinterpret_cast<Node *>(copyObject(var));
        Level *level = ctx->level;
        for (int up = var->varlevelsup - ctx->depth; up > 0; up--) {
            level = level->parent;
            if (level == nullptr)
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("outer references are not supported in a TVIEW definition"),
                                errdetail("A subquery in FROM refers to a relation of the enclosing query (LATERAL)."),
                                errhint("Join the relation directly on its key instead.")));
        }
        Var *local = static_cast<Var *>(copyObject(var));
        local->varlevelsup = 0;
        Node *flat = FlattenVar(local, level);
        if (ctx->depth > 0) IncrementVarSublevelsUp(flat, ctx->depth, 0);
        return flat;
    }
    if (IsA(node, Query)) {
        FlattenContext inner{ctx->level, ctx->depth + 1};
        return reinterpret_cast<Node *>(query_tree_mutator(castNode(Query, node),
                                                           reinterpret_cast<Node *(*)()>(FlattenMutator), &inner, 0));
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(FlattenMutator), context);
}

bool HasSubLink(Node *node) { return node != nullptr && contain_subplans(node); }

bool CollectChild(Node *node, void *context) {
    if (node == nullptr) return false;
    auto *out = static_cast<List **>(context);
    *out = lappend(*out, node);
    return false;  // immediate children only
}

// The immediate sub-expressions of a node (lists are expanded).
List *DirectChildren(Node *node) {
    List *children = NIL;
    expression_tree_walker(node, reinterpret_cast<bool (*)()>(CollectChild), &children);
    List *flat = NIL;
    ListCell *lc;
    foreach (lc, children) {
        Node *child = static_cast<Node *>(lfirst(lc));
        if (IsA(child, List)) {
            ListCell *lc2;
            foreach (lc2, castNode(List, child)) flat = lappend(flat, lfirst(lc2));
        } else {
            flat = lappend(flat, child);
        }
    }
    return flat;
}

bool CollectFunction(Oid func, void *context) {
    auto *out = static_cast<List **>(context);
    *out = lappend_oid(*out, func);
    return false;
}

// The functions a node itself calls (not its children's).
List *FunctionsOf(Node *node) {
    List *funcs = NIL;
    check_functions_in_node(node, CollectFunction, &funcs);
    return funcs;
}

struct FunctionInfo {
    char *name;
    char volatility;
};

FunctionInfo DescribeFunction(Oid func) {
    FunctionInfo info;
    info.name = get_func_name(func);
    if (info.name == nullptr) info.name = psprintf("function %u", func);
    info.volatility = func_volatile(func);
    return info;
}

// Everything the planner needs to know about a relation, in palloc'd memory.
struct RelInfo {
    char relkind;
    bool has_children;  // inheritance children: the query reads them, maintenance would not
    bool is_tview;
    char *name;
    int natts;
    char **attnames;  // nullptr for dropped
    char **atttypes;  // the type's name (a domain's base type)
    bool *notnull;
    char *qualified_name;
    char *relname;
    bool temporary;
    bool row_security_applies;
    bool select_granted;
    bool *attselect;
    int nkeys;
    int *keylen;
    int **keys;
    int pk;
};

RelInfo *ReadRelInfo(Oid relid) {
    auto *info = static_cast<RelInfo *>(palloc0(sizeof(RelInfo)));
    Relation rel = relation_open(relid, AccessShareLock);
    info->relkind = rel->rd_rel->relkind;
    info->has_children = rel->rd_rel->relhassubclass && has_subclass(relid);
    Oid tview_am = get_table_am_oid("tview_am", true);
    info->is_tview = OidIsValid(tview_am) && rel->rd_rel->relam == tview_am;
    if (RelationIsVisible(relid))
        info->name = pstrdup(quote_identifier(RelationGetRelationName(rel)));
    else
        info->name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
                                                RelationGetRelationName(rel));
    info->relname = pstrdup(RelationGetRelationName(rel));
    info->qualified_name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)), info->relname);
    info->temporary = rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP;
    info->row_security_applies = check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED;
    TupleDesc desc = RelationGetDescr(rel);
    info->natts = desc->natts;
    info->attnames = static_cast<char **>(palloc0(sizeof(char *) * desc->natts));
    info->atttypes = static_cast<char **>(palloc0(sizeof(char *) * desc->natts));
    info->select_granted = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
    info->attselect = static_cast<bool *>(palloc0(sizeof(bool) * desc->natts));
    info->notnull = static_cast<bool *>(palloc0(sizeof(bool) * desc->natts));
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        if (att->attisdropped) continue;
        info->attnames[i] = pstrdup(NameStr(att->attname));
        info->atttypes[i] = format_type_be(getBaseType(att->atttypid));
        info->attselect[i] = info->select_granted ||
                             pg_attribute_aclcheck(relid, att->attnum, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
        info->notnull[i] = att->attnotnull;
    }
    info->pk = -1;
    if (info->relkind == RELKIND_RELATION) {
        List *indexes = RelationGetIndexList(rel);
        Oid pk_index = rel->rd_pkindex;
        info->keys = static_cast<int **>(palloc0(sizeof(int *) * (list_length(indexes) + 1)));
        info->keylen = static_cast<int *>(palloc0(sizeof(int) * (list_length(indexes) + 1)));
        ListCell *lc;
        foreach (lc, indexes) {
            Oid index_oid = lfirst_oid(lc);
            HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index_oid));
            if (!HeapTupleIsValid(tuple)) continue;
            auto *index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
            bool usable = index->indisunique && index->indimmediate && index->indisvalid &&
                          heap_attisnull(tuple, Anum_pg_index_indexprs, nullptr) &&
                          heap_attisnull(tuple, Anum_pg_index_indpred, nullptr);
            if (usable) {
                int n = index->indnkeyatts;
                int *key = static_cast<int *>(palloc(sizeof(int) * n));
                for (int i = 0; i < n; i++) key[i] = index->indkey.values[i];
                if (index_oid == pk_index) info->pk = info->nkeys;
                info->keys[info->nkeys] = key;
                info->keylen[info->nkeys] = n;
                info->nkeys++;
            }
            ReleaseSysCache(tuple);
        }
    }
    relation_close(rel, AccessShareLock);
    return info;
}

char *ViewName(Oid view) {
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(view)), get_rel_name(view));
}

bool ViewSelectGranted(Oid view) { return pg_class_aclcheck(view, GetUserId(), ACL_SELECT) == ACLCHECK_OK; }

const char *RelkindName(char relkind) {
    switch (relkind) {
        case RELKIND_MATVIEW: return "materialized view";
        case RELKIND_PARTITIONED_TABLE: return "partitioned table";
        case RELKIND_FOREIGN_TABLE: return "foreign table";
        case RELKIND_SEQUENCE: return "sequence";
        case RELKIND_VIEW: return "view";
        default: return "relation";
    }
}

// A zero literal, through the implicit casts the parser adds (COALESCE(sum(x), 0): an int4 0
// cast to the sum's type).
bool IsZeroConst(Node *node) {
    node = strip_implicit_coercions(node);
    if (node == nullptr || !IsA(node, Const) || castNode(Const, node)->constisnull) return false;
    Const *c = castNode(Const, node);
    Oid output;
    bool varlena;
    getTypeOutputInfo(c->consttype, &output, &varlena);
    return strcmp(OidOutputFunctionCall(output, c->constvalue), "0") == 0;
}

char *ConstText(Const *c) {
    if (c->constisnull) return nullptr;
    switch (c->consttype) {
        case TEXTOID:
        case VARCHAROID:
        case BPCHAROID:
        case NAMEOID: {
            Oid out;
            bool varlena;
            getTypeOutputInfo(c->consttype, &out, &varlena);
            return OidOutputFunctionCall(out, c->constvalue);
        }
        case UNKNOWNOID:
        case CSTRINGOID: return pstrdup(DatumGetCString(c->constvalue));
        default: return nullptr;
    }
}

Query *RewriteDefinition(const Query *query) {
    Query *copy = static_cast<Query *>(copyObject(const_cast<Query *>(query)));
    List *rewritten = QueryRewrite(copy);
    if (list_length(rewritten) != 1)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("a TVIEW definition must rewrite to a single query"),
                        errdetail("Rules on its sources turned it into %d queries.", list_length(rewritten))));
    return linitial_node(Query, rewritten);
}

bool CollectViewsWalker(Node *node, void *context) {
    if (node == nullptr) return false;
    if (IsA(node, RangeTblEntry)) {
        auto *rte = castNode(RangeTblEntry, node);
        if (rte->rtekind == RTE_RELATION && rte->relkind == RELKIND_VIEW) {
            auto *out = static_cast<List **>(context);
            *out = list_append_unique_oid(*out, rte->relid);
        }
        return false;
    }
    if (IsA(node, Query))
        return query_tree_walker(castNode(Query, node), reinterpret_cast<bool (*)()>(CollectViewsWalker), context,
                                 QTW_EXAMINE_RTES_BEFORE);
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(CollectViewsWalker), context);
}

// Views named in the (unrewritten) query, at any depth of view expansion: the rewriter keeps the
// view's range-table entry for permission checks inside the expanded subquery.
List *CollectViews(Query *query) {
    List *views = NIL;
    CollectViewsWalker(reinterpret_cast<Node *>(query), &views);
    return views;
}

/* ------------------------------------------------------------------------
 * C++ translation (calls PostgreSQL only through pg::Call and the helpers above).
 * ------------------------------------------------------------------------ */

class Analyzer {
public:
    AnalyzedDefinition Run(const Query *original) {
        if (original->commandType != CMD_SELECT || original->utilityStmt != nullptr)
            throw Error(sqlstate::kFeatureNotSupported, "a TVIEW must be defined by a SELECT query",
                        "The definition is not a SELECT (for example EXECUTE of a prepared statement).",
                        "Write the SELECT itself after AS.");
        Query *query = pg::Call(RewriteDefinition, original);
        List *views = pg::Call(CollectViews, const_cast<Query *>(original));
        ListCell *lc;
        foreach (lc, views) {
            out_.views.push_back(lfirst_oid(lc));
            planner::ViewRef ref;
            ref.qualified_name = pg::Call(ViewName, lfirst_oid(lc));
            ref.select_granted = pg::Call(ViewSelectGranted, lfirst_oid(lc));
            out_.shape.views.push_back(std::move(ref));
        }
        // Views are expanded again by the rewriter into their base relations: collect those too.
        Level *top = pg::Call(NewLevel, query);
        CheckQueryLevel(query, "");
        FlattenFrom(top, reinterpret_cast<Node *>(query->jointree), FromItem::Join::kFirst, nullptr);
        if (!out_.shape.unsupported.empty()) return std::move(out_);

        foreach (lc, query->targetList) {
            auto *tle = static_cast<TargetEntry *>(lfirst(lc));
            if (tle->resjunk) continue;
            Node *flat = pg::Call(FlattenIn, reinterpret_cast<Node *>(tle->expr), top);
            planner::TargetColumn column;
            column.name = tle->resname != nullptr ? tle->resname : "?column?";
            column.expr = Translate(flat);
            out_.shape.targets.push_back(std::move(column));
        }
        for (auto &[node, level] : pending_quals_) AddWhere(node, level);
        return std::move(out_);
    }

private:
    // Records constructs of one query level that the engine cannot maintain.
    void CheckQueryLevel(Query *q, const std::string &where) {
        auto add = [&](const std::string &name, Node *at) {
            Construct c;
            c.name = name + where;
            c.location = at != nullptr ? exprLocation(at) : -1;
            out_.shape.unsupported.push_back(std::move(c));
        };
        if (q->commandType != CMD_SELECT) add("a data-modifying statement", nullptr);
        if (q->setOperations != nullptr) {
            auto *op = castNode(SetOperationStmt, q->setOperations);
            add(op->op == SETOP_UNION ? "UNION" : op->op == SETOP_INTERSECT ? "INTERSECT" : "EXCEPT", nullptr);
            return;
        }
        if (q->cteList != NIL) add("WITH", static_cast<Node *>(linitial(q->cteList)));
        if (q->groupClause != NIL || q->groupingSets != NIL) add("GROUP BY", nullptr);
        if (q->havingQual != nullptr) add("HAVING", q->havingQual);
        if (q->hasAggs) add("aggregate function", nullptr);
        if (q->hasWindowFuncs) add("window function", nullptr);
        if (q->hasDistinctOn) add("DISTINCT ON", nullptr);
        else if (q->distinctClause != NIL) add("DISTINCT", nullptr);
        if (q->limitCount != nullptr) add("LIMIT", q->limitCount);
        if (q->limitOffset != nullptr) add("OFFSET", q->limitOffset);
        if (q->hasTargetSRFs) add("set-returning function in the select list", nullptr);
        if (pg::Call(HasSubLink, reinterpret_cast<Node *>(q->jointree)))
            add("subquery in WHERE or JOIN", nullptr);
        if (q->rowMarks != NIL) add("FOR UPDATE/FOR SHARE", nullptr);
        if (q->hasModifyingCTE) add("data-modifying WITH", nullptr);
    }

    int AddRelation(Oid relid, bool inh) {
        RelInfo *info = pg::Call(ReadRelInfo, relid);
        planner::Relation rel;
        rel.oid = relid;
        rel.name = info->name;
        if (info->relkind != RELKIND_RELATION) {
            rel.kind = planner::Relation::Kind::kOther;
            rel.kind_name = RelkindName(info->relkind);
        } else if (inh && info->has_children) {
            rel.kind = planner::Relation::Kind::kOther;
            rel.kind_name = "table with inheritance children";
        } else {
            rel.kind = info->is_tview ? planner::Relation::Kind::kTview : planner::Relation::Kind::kTable;
        }
        for (int i = 0; i < info->natts; i++) {
            rel.attnames.push_back(info->attnames[i] != nullptr ? info->attnames[i] : "");
            rel.atttypes.push_back(info->atttypes[i] != nullptr ? info->atttypes[i] : "");
            rel.attselect.push_back(info->attselect[i]);
            rel.attnotnull.push_back(info->notnull[i]);
        }
        rel.qualified_name = info->qualified_name;
        rel.relname = info->relname;
        rel.temporary = info->temporary;
        rel.row_security_applies = info->row_security_applies;
        rel.select_granted = info->select_granted;
        for (int k = 0; k < info->nkeys; k++)
            rel.unique_keys.emplace_back(info->keys[k], info->keys[k] + info->keylen[k]);
        rel.primary_key = info->pk;
        out_.shape.relations.push_back(std::move(rel));
        out_.relids.push_back(relid);
        return static_cast<int>(out_.shape.relations.size() - 1);
    }

    // Flattens a FROM node into left-deep FromItems. `join` is how the node is joined to what
    // precedes it; `left_item` collects the conditions of the LEFT JOIN being built (the node must
    // then be a single relation).
    void FlattenFrom(Level *level, Node *node, FromItem::Join join, FromItem *left_item) {
        if (IsA(node, FromExpr)) {
            auto *from = castNode(FromExpr, node);
            if (left_item != nullptr && list_length(from->fromlist) != 1) {
                Unsupported("a view or subquery of several relations on the right side of LEFT JOIN");
                return;
            }
            ListCell *lc;
            bool first = true;
            foreach (lc, from->fromlist) {
                FlattenFrom(level, static_cast<Node *>(lfirst(lc)), first ? join : FromItem::Join::kInner,
                            left_item);
                first = false;
            }
            if (from->quals != nullptr) AddQual(from->quals, level, left_item);
            return;
        }
        if (IsA(node, JoinExpr)) {
            auto *j = castNode(JoinExpr, node);
            if (left_item != nullptr) {
                Unsupported("a join on the right side of LEFT JOIN");
                return;
            }
            switch (j->jointype) {
                case JOIN_INNER:
                    FlattenFrom(level, j->larg, join, nullptr);
                    FlattenFrom(level, j->rarg, FromItem::Join::kInner, nullptr);
                    if (j->quals != nullptr) AddQual(j->quals, level, nullptr);
                    return;
                case JOIN_LEFT: {
                    FlattenFrom(level, j->larg, join, nullptr);
                    FromItem item;
                    item.join = FromItem::Join::kLeft;
                    FlattenFrom(level, j->rarg, FromItem::Join::kLeft, &item);
                    if (j->quals != nullptr) AddQual(j->quals, level, &item);
                    if (item.rel >= 0) from_out_->push_back(std::move(item));
                    return;
                }
                case JOIN_RIGHT: Unsupported("RIGHT JOIN"); return;
                case JOIN_FULL: Unsupported("FULL JOIN"); return;
                default: Unsupported("this kind of join"); return;
            }
        }
        auto *ref = castNode(RangeTblRef, node);
        RangeTblEntry *rte = rt_fetch(ref->rtindex, level->query->rtable);
        switch (rte->rtekind) {
            case RTE_RELATION: {
                if (rte->tablesample != nullptr)
                    out_.shape.unsupported.push_back({"TABLESAMPLE", "Sampling returns a different set of rows each time.", -1});
                int rel = AddRelation(rte->relid, rte->inh);
                level->rel_index[ref->rtindex] = rel;
                if (left_item != nullptr) {
                    if (left_item->rel >= 0) {
                        Unsupported("a view or subquery of several relations on the right side of LEFT JOIN");
                        return;
                    }
                    left_item->rel = rel;
                    return;
                }
                FromItem item;
                item.rel = rel;
                item.join = join;
                from_out_->push_back(std::move(item));
                return;
            }
            case RTE_SUBQUERY: {
                if (rte->lateral) {
                    out_.shape.unsupported.push_back({"LATERAL", "", -1});
                    return;
                }
                Query *sub = rte->subquery;
                CheckQueryLevel(sub, " in a view or subquery");
                Level *sublevel = pg::Call(NewLevel, sub);
                level->sub[ref->rtindex] = sublevel;
                FlattenFrom(sublevel, reinterpret_cast<Node *>(sub->jointree), join, left_item);
                return;
            }
            case RTE_FUNCTION: out_.shape.unsupported.push_back({"set-returning function in FROM", "", -1}); return;
            case RTE_VALUES: out_.shape.unsupported.push_back({"VALUES in FROM", "", -1}); return;
            case RTE_CTE: out_.shape.unsupported.push_back({"WITH", "", -1}); return;
            default: out_.shape.unsupported.push_back({"this kind of FROM item", "", -1}); return;
        }
    }

    // A join the planner must refuse, reported by name (no relation is recorded for it).
    void Unsupported(const char *what) { out_.shape.unsupported.push_back({what, "", -1}); }

    // Quals are flattened once the whole FROM clause is known (a qual may read relations that
    // appear later in the jointree walk of a view).
    void AddQual(Node *quals, Level *level, FromItem *left_item) {
        if (left_item != nullptr) {
            if (!out_.shape.unsupported.empty()) return;  // the refusal is already known
            Node *flat = pg::Call(FlattenIn, quals, level);
            for (Node *conjunct : Conjuncts(flat)) left_item->conditions.push_back(Translate(conjunct));
            return;
        }
        pending_out_->emplace_back(quals, level);
    }

    void AddWhere(Node *quals, Level *level) {
        Node *flat = pg::Call(FlattenIn, quals, level);
        for (Node *conjunct : Conjuncts(flat)) out_.shape.where.push_back(Translate(conjunct));
    }

    std::vector<Node *> Conjuncts(Node *qual) {
        std::vector<Node *> out;
        if (qual == nullptr) return out;
        if (IsA(qual, List)) {
            ListCell *lc;
            foreach (lc, castNode(List, qual)) {
                auto sub = Conjuncts(static_cast<Node *>(lfirst(lc)));
                out.insert(out.end(), sub.begin(), sub.end());
            }
            return out;
        }
        if (is_andclause(qual)) {
            ListCell *lc;
            foreach (lc, reinterpret_cast<BoolExpr *>(qual)->args) {
                auto sub = Conjuncts(static_cast<Node *>(lfirst(lc)));
                out.insert(out.end(), sub.begin(), sub.end());
            }
            return out;
        }
        out.push_back(qual);
        return out;
    }

    int Handle(Node *node) {
        out_.nodes.push_back(node);
        return static_cast<int>(out_.nodes.size() - 1);
    }

    static Node *StripRelabel(Node *node) {
        while (node != nullptr && IsA(node, RelabelType)) node = reinterpret_cast<Node *>(castNode(RelabelType, node)->arg);
        return node;
    }

    FunctionRef Describe(Oid func) {
        FunctionInfo info = pg::Call(DescribeFunction, func);
        FunctionRef ref;
        ref.name = info.name;
        ref.volatility = info.volatility == PROVOLATILE_VOLATILE ? Volatility::kVolatile
                         : info.volatility == PROVOLATILE_STABLE ? Volatility::kStable
                                                                 : Volatility::kImmutable;
        ref.builtin = func < FirstNormalObjectId;
        return ref;
    }

    ShapeExpr Translate(Node *node) {
        ShapeExpr e;
        e.handle = Handle(node);
        e.location = exprLocation(node);
        switch (nodeTag(node)) {
            case T_Var: {
                Var *var = castNode(Var, node);
                e.kind = ShapeExpr::Kind::kColumn;
                e.rel = var->varno - 1;
                e.attno = var->varattno;
                return e;
            }
            case T_Const: {
                Const *c = castNode(Const, node);
                e.kind = ShapeExpr::Kind::kConst;
                e.const_null = c->constisnull;
                char *text = pg::Call(ConstText, c);
                e.const_is_text = text != nullptr;
                if (text != nullptr) e.const_text = text;
                return e;
            }
            case T_FuncExpr: {
                FuncExpr *f = castNode(FuncExpr, node);
                if (!f->funcvariadic && (f->funcid == F_JSONB_BUILD_OBJECT_ANY || f->funcid == F_JSONB_BUILD_ARRAY_ANY)) {
                    e.kind = f->funcid == F_JSONB_BUILD_OBJECT_ANY ? ShapeExpr::Kind::kJsonbObject : ShapeExpr::Kind::kJsonbArray;
                    e.functions.push_back(Describe(f->funcid));
                    ListCell *lc;
                    foreach (lc, f->args) e.args.push_back(Translate(static_cast<Node *>(lfirst(lc))));
                    return e;
                }
                break;
            }
            case T_OpExpr: {
                OpExpr *op = castNode(OpExpr, node);
                if (list_length(op->args) == 2) {
                    Node *l = StripRelabel(static_cast<Node *>(linitial(op->args)));
                    Node *r = StripRelabel(static_cast<Node *>(lsecond(op->args)));
                    if (IsA(l, Var) && IsA(r, Var) &&
                        pg::Call(op_mergejoinable, op->opno, exprType(static_cast<Node *>(linitial(op->args))))) {
                        e.kind = ShapeExpr::Kind::kEquality;
                        e.functions.push_back(Describe(op->opfuncid));
                        e.args.push_back(Translate(l));
                        e.args.push_back(Translate(r));
                        return e;
                    }
                }
                break;
            }
            case T_SQLValueFunction: {
                e.kind = ShapeExpr::Kind::kOther;
                FunctionRef ref;
                ref.name = SqlValueFunctionName(castNode(SQLValueFunction, node)->op);
                ref.volatility = Volatility::kStable;
                e.functions.push_back(ref);
                e.construct = ref.name;
                return e;
            }
            case T_NextValueExpr: {
                e.kind = ShapeExpr::Kind::kOther;
                e.functions.push_back({"nextval", Volatility::kVolatile, true});
                return e;
            }
            case T_Param:
                out_.shape.unsupported.push_back({"parameter reference", "", e.location});
                return e;
            case T_SubLink:
                return TranslateSubquery(castNode(SubLink, node), e);
            case T_Aggref: {
                // Named for the planner's counters: a built-in aggregate, plain or not; a plain
                // one's arguments are its argument expressions.
                Aggref *agg = castNode(Aggref, node);
                FunctionRef ref = Describe(agg->aggfnoid);
                if (ref.builtin) e.aggregate = ref.name;
                e.aggregate_star = agg->aggstar;
                e.aggregate_plain = agg->aggorder == NIL && agg->aggdistinct == NIL && agg->aggfilter == nullptr &&
                                    !agg->aggvariadic && agg->agglevelsup == 0 && agg->aggkind == AGGKIND_NORMAL &&
                                    agg->aggdirectargs == NIL;
                if (!e.aggregate_plain) break;
                e.kind = ShapeExpr::Kind::kOther;
                e.functions.push_back(ref);
                ListCell *lc;
                foreach (lc, agg->args)
                    e.args.push_back(Translate(StripRelabel(reinterpret_cast<Node *>(castNode(TargetEntry, lfirst(lc))->expr))));
                return e;
            }
            case T_CoalesceExpr: {
                List *args = castNode(CoalesceExpr, node)->args;
                e.coalesce_zero = list_length(args) == 2 && pg::Call(IsZeroConst, static_cast<Node *>(lsecond(args)));
                break;
            }
            default: break;
        }
        e.kind = ShapeExpr::Kind::kOther;
        List *funcs = pg::Call(FunctionsOf, node);
        ListCell *lc;
        foreach (lc, funcs) e.functions.push_back(Describe(lfirst_oid(lc)));
        List *children = pg::Call(DirectChildren, node);
        foreach (lc, children) e.args.push_back(Translate(static_cast<Node *>(lfirst(lc))));
        return e;
    }

    // A scalar subquery of the select list (already flattened: its references to the enclosing
    // query use shape relation indexes).
    ShapeExpr TranslateSubquery(SubLink *sublink, ShapeExpr e) {
        e.kind = ShapeExpr::Kind::kOther;
        if (sublink->subLinkType != EXPR_SUBLINK) {
            const char *what = sublink->subLinkType == EXISTS_SUBLINK  ? "an EXISTS subquery"
                               : sublink->subLinkType == ARRAY_SUBLINK ? "an ARRAY(subquery)"
                               : sublink->subLinkType == ALL_SUBLINK   ? "an ALL subquery"
                                                                       : "an IN or ANY subquery";
            out_.shape.unsupported.push_back({what, "", e.location});
            return e;
        }
        Query *q = castNode(Query, sublink->subselect);
        CheckQueryLevel(q, " in a subquery");
        if (q->hasAggs && q->groupClause == NIL && q->groupingSets == NIL) {
            // allowed: CheckQueryLevel reported aggregates as unsupported for the top level only
            auto &u = out_.shape.unsupported;
            u.erase(std::remove_if(u.begin(), u.end(),
                                   [](const Construct &c) { return c.name == "aggregate function in a subquery"; }),
                    u.end());
        }
        if (global_level_ == nullptr) global_level_ = pg::Call(GlobalLevel);
        Level *level = pg::Call(NewLevel, q);
        level->parent = global_level_;
        int index = static_cast<int>(out_.shape.subqueries.size());
        out_.shape.subqueries.emplace_back();
        planner::SubqueryShape sub;
        sub.aggregate = q->hasAggs && q->groupClause == NIL && q->groupingSets == NIL;
        sub.location = e.location;
        std::vector<std::pair<Node *, Level *>> pending;
        auto *saved_from = from_out_;
        auto *saved_pending = pending_out_;
        from_out_ = &sub.from;
        pending_out_ = &pending;
        FlattenFrom(level, reinterpret_cast<Node *>(q->jointree), FromItem::Join::kFirst, nullptr);
        from_out_ = saved_from;
        pending_out_ = saved_pending;
        if (!out_.shape.unsupported.empty()) return e;
        for (auto &[quals, qual_level] : pending) {
            Node *flat = pg::Call(FlattenIn, quals, qual_level);
            for (Node *conjunct : Conjuncts(flat)) sub.where.push_back(Translate(conjunct));
        }
        ListCell *lc;
        foreach (lc, q->targetList) {
            auto *tle = static_cast<TargetEntry *>(lfirst(lc));
            if (tle->resjunk) continue;
            sub.target = Translate(pg::Call(FlattenIn, reinterpret_cast<Node *>(tle->expr), level));
            break;
        }
        out_.shape.subqueries[index] = std::move(sub);
        e.kind = ShapeExpr::Kind::kSubquery;
        e.sub = index;
        return e;
    }

    static const char *SqlValueFunctionName(SQLValueFunctionOp op) {
        switch (op) {
            case SVFOP_CURRENT_DATE: return "current_date";
            case SVFOP_CURRENT_TIME:
            case SVFOP_CURRENT_TIME_N: return "current_time";
            case SVFOP_CURRENT_TIMESTAMP:
            case SVFOP_CURRENT_TIMESTAMP_N: return "current_timestamp";
            case SVFOP_LOCALTIME:
            case SVFOP_LOCALTIME_N: return "localtime";
            case SVFOP_LOCALTIMESTAMP:
            case SVFOP_LOCALTIMESTAMP_N: return "localtimestamp";
            case SVFOP_CURRENT_ROLE: return "current_role";
            case SVFOP_CURRENT_USER: return "current_user";
            case SVFOP_USER: return "user";
            case SVFOP_SESSION_USER: return "session_user";
            case SVFOP_CURRENT_CATALOG: return "current_catalog";
            case SVFOP_CURRENT_SCHEMA: return "current_schema";
        }
        return "current_setting";
    }

    AnalyzedDefinition out_;
    std::vector<std::pair<Node *, Level *>> pending_quals_;
    // Where FlattenFrom puts what it finds: the top query's FROM, or a subquery's.
    std::vector<FromItem> *from_out_ = &out_.shape.from;
    std::vector<std::pair<Node *, Level *>> *pending_out_ = &pending_quals_;
    Level *global_level_ = nullptr;
};

}  // namespace

AnalyzedDefinition AnalyzeDefinition(const Query *query) { return Analyzer().Run(query); }

}  // namespace tviews::definition

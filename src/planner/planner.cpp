// planner.cpp: the maintainability rules and the construction of the refresh plan.
//
// Regime: pure C++. Every refusal is a Refusal value with SQLSTATE 0A000 (feature_not_supported;
// 42501 for a missing SELECT privilege), a message naming the construct, a detail pointing at it
// and a hint saying what would be accepted.
#include "planner/planner.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace tviews::planner {

namespace {

Refusal Refuse(std::string message, std::string detail, std::string hint, int location = -1) {
    Refusal r;
    r.state = sqlstate::kFeatureNotSupported;
    r.message = std::move(message);
    r.detail = std::move(detail);
    r.hint = std::move(hint);
    r.location = location;
    return r;
}

std::string HintFor(const std::string &construct) {
    auto starts = [&](const char *prefix) { return construct.rfind(prefix, 0) == 0; };
    if (starts("GROUP BY") || starts("HAVING") || starts("aggregate"))
        return "A TVIEW has one row per row of its root table: aggregate child rows in a correlated "
               "subquery of the select list instead.";
    if (starts("window function")) return "Compute the value in the query that reads the TVIEW.";
    if (starts("LIMIT") || starts("OFFSET") || starts("FETCH"))
        return "Apply LIMIT and OFFSET in the query that reads the TVIEW.";
    if (starts("DISTINCT")) return "Select the key of the root table so that rows are already distinct.";
    if (starts("UNION") || starts("INTERSECT") || starts("EXCEPT"))
        return "Create one TVIEW per branch, or a view over them.";
    if (starts("WITH")) return "Write the common table expression as a view and join the view.";
    if (starts("set-returning function"))
        return "A TVIEW row corresponds to one root row: build arrays with jsonb_build_array or a "
               "subquery instead.";
    if (starts("subquery in FROM")) return "Write the subquery as a view and join the view.";
    if (starts("subquery in WHERE"))
        return "Filter on columns of the root and its joined tables; aggregates of child rows belong in the "
               "select list.";
    if (starts("an EXISTS") || starts("an ARRAY") || starts("an IN") || starts("an ALL"))
        return "Aggregate the child rows in the select list instead, for example with count(*) or bool_or().";
    if (starts("TABLESAMPLE")) return "Sample when reading the TVIEW instead.";
    if (starts("LATERAL")) return "Join the relation directly on its key instead.";
    if (starts("a join on the right side") || starts("a view or subquery of several"))
        return "Write the joins left to right: LEFT JOIN each table on its key, one after the other.";
    if (starts("FOR UPDATE") || starts("FOR SHARE") || starts("FOR NO KEY") || starts("FOR KEY"))
        return "Remove the locking clause.";
    return "See the shapes pg_tviews maintains in the documentation (docs/sql.md).";
}

// Session-dependent functions of PostgreSQL itself: not volatile, yet not a function of their
// arguments either.
const std::set<std::string> &SessionDependentNames() {
    static const std::set<std::string> names = {
        "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "timeofday",
        "current_setting", "current_schema", "current_schemas", "current_user", "session_user",
        "current_role", "user", "current_catalog", "current_database", "current_date", "current_time",
        "current_timestamp", "localtime", "localtimestamp", "current_query", "version",
        "inet_client_addr", "inet_client_port", "inet_server_addr", "inet_server_port",
        "txid_current", "txid_current_if_assigned", "txid_current_snapshot", "age", "mxid_age",
    };
    return names;
}

bool HasPrefix(const std::string &s, const char *p) { return s.rfind(p, 0) == 0; }

struct FunctionProblem {
    Refusal refusal;
};

std::optional<Refusal> CheckFunctions(const QueryShape &shape, const Expr &e) {
    for (const FunctionRef &f : e.functions) {
        if (f.volatility == Volatility::kVolatile)
            return Refuse("volatile function " + f.name + " is not supported in a TVIEW definition",
                          "A TVIEW is maintained row by row, long after it was created; " + f.name +
                              " can return a different result each time it is called.",
                          "Use only immutable expressions, or compute the value when reading the TVIEW.",
                          e.location);
        if (f.builtin && f.volatility != Volatility::kImmutable && IsSessionDependent(f.name))
            return Refuse(f.name + " is not supported in a TVIEW definition",
                          "Its result depends on the time, the session or the settings of whoever runs it, "
                          "so a TVIEW row would depend on which transaction last maintained it.",
                          "Store the value in a source table, or compute it when reading the TVIEW.", e.location);
        if (!f.builtin && f.volatility == Volatility::kStable)
            return Refuse("stable function " + f.name + " is not supported in a TVIEW definition",
                          "A stable function may read tables or settings pg_tviews does not track.",
                          "Declare the function IMMUTABLE if its result depends only on its arguments.",
                          e.location);
    }
    for (const Expr &a : e.args)
        if (auto r = CheckFunctions(shape, a)) return r;
    if (e.kind == Expr::Kind::kSubquery) {
        const SubqueryShape &sub = shape.subqueries[e.sub];
        if (auto r = CheckFunctions(shape, sub.target)) return r;
        for (const Expr &w : sub.where)
            if (auto r = CheckFunctions(shape, w)) return r;
        for (const FromItem &item : sub.from)
            for (const Expr &c : item.conditions)
                if (auto r = CheckFunctions(shape, c)) return r;
    }
    return std::nullopt;
}

// Columns an expression reads, including those its subqueries read (their correlation, joins,
// filters and aggregated values).
void CollectColumns(const QueryShape &shape, const Expr &e, std::vector<std::pair<int, int>> *out) {
    if (e.kind == Expr::Kind::kColumn) out->emplace_back(e.rel, e.attno);
    for (const Expr &a : e.args) CollectColumns(shape, a, out);
    if (e.kind == Expr::Kind::kSubquery) {
        const SubqueryShape &sub = shape.subqueries[e.sub];
        CollectColumns(shape, sub.target, out);
        for (const Expr &w : sub.where) CollectColumns(shape, w, out);
        for (const FromItem &item : sub.from)
            for (const Expr &c : item.conditions) CollectColumns(shape, c, out);
    }
}

void CollectSubqueries(const Expr &e, std::vector<int> *out) {
    if (e.kind == Expr::Kind::kSubquery) {
        out->push_back(e.sub);
        return;  // nested ones belong to that subquery's scope
    }
    for (const Expr &a : e.args) CollectSubqueries(a, out);
}

std::set<int> RelsOf(const QueryShape &shape, const Expr &e) {
    std::vector<std::pair<int, int>> cols;
    CollectColumns(shape, e, &cols);
    std::set<int> rels;
    for (auto &c : cols) rels.insert(c.first);
    return rels;
}

// An equality between plain columns of two different relations: (rel_a, att_a, rel_b, att_b).
struct ColumnEquality {
    int rel_a, att_a, rel_b, att_b;
    size_t source;  // index of the conjunct it came from
};

std::optional<ColumnEquality> AsColumnEquality(const Expr &e, size_t source) {
    if (e.kind != Expr::Kind::kEquality || e.args.size() != 2) return std::nullopt;
    const Expr &a = e.args[0], &b = e.args[1];
    if (a.kind != Expr::Kind::kColumn || b.kind != Expr::Kind::kColumn) return std::nullopt;
    if (a.rel == b.rel || a.attno <= 0 || b.attno <= 0) return std::nullopt;
    return ColumnEquality{a.rel, a.attno, b.rel, b.attno, source};
}

// The unique key of `rel` covered by `attnos`, preferring the primary key; empty if none.
std::vector<int> CoveredKey(const Relation &rel, const std::set<int> &attnos) {
    std::optional<std::vector<int>> best;
    for (size_t i = 0; i < rel.unique_keys.size(); i++) {
        const auto &key = rel.unique_keys[i];
        bool covered = std::all_of(key.begin(), key.end(), [&](int a) { return attnos.count(a) > 0; });
        if (!covered) continue;
        if (static_cast<int>(i) == rel.primary_key || !best || key.size() < best->size()) best = key;
        if (static_cast<int>(i) == rel.primary_key) break;
    }
    return best.value_or(std::vector<int>{});
}

class Builder {
public:
    explicit Builder(const QueryShape &shape) : shape_(shape) {}

    PlanResult Build() {
        if (!shape_.unsupported.empty()) {
            const Construct &c = shape_.unsupported.front();
            return Refuse(c.name + " is not supported in a TVIEW definition",
                          c.detail.empty() ? "pg_tviews maintains one TVIEW row per row of the root table."
                                           : c.detail,
                          HintFor(c.name), c.location);
        }
        if (shape_.from.empty())
            return Refuse("a TVIEW definition must read from a table", "The query has no FROM clause.",
                          "Select from the table whose rows the TVIEW mirrors.");
        for (const FromItem &item : shape_.from) {
            if (item.rel < 0 || item.rel >= static_cast<int>(shape_.relations.size()))
                return Refuse("this FROM item is not supported in a TVIEW definition", "", "", item.location);
            const Relation &rel = shape_.relations[item.rel];
            if (item.join == FromItem::Join::kUnsupported)
                return Refuse(item.join_name + " is not supported in a TVIEW definition",
                              "Relation " + rel.name + " is joined with " + item.join_name + ".",
                              "Use JOIN or LEFT JOIN from the root table to tables joined on their key, "
                              "written left to right.",
                              item.location);
            if (rel.kind == Relation::Kind::kOther)
                return Refuse(rel.kind_name + " " + rel.name + " cannot be a source of a TVIEW",
                              "TVIEW sources must be tables or views over tables.",
                              "Read the tables it is built from instead.", rel.location);
        }
        for (const TargetColumn &t : shape_.targets)
            if (auto r = CheckFunctions(shape_, t.expr)) return *r;
        for (const Expr &w : shape_.where)
            if (auto r = CheckFunctions(shape_, w)) return *r;
        for (const FromItem &item : shape_.from)
            for (const Expr &c : item.conditions)
                if (auto r = CheckFunctions(shape_, c)) return *r;

        std::optional<Refusal> first_failure;
        for (const FromItem &candidate : shape_.from) {
            if (candidate.join == FromItem::Join::kLeft) continue;
            Refusal why;
            if (TryRoot(candidate.rel, &why)) {
                PlanResult result = Finish();
                if (std::holds_alternative<RefreshPlan>(result)) return result;
                why = std::get<Refusal>(result);
            }
            if (!first_failure) first_failure = why;
        }
        return *first_failure;
    }

private:
    // Builds the join tree from `root`; false (with the reason) if some relation cannot be reached
    // through a to-one edge.
    bool TryRoot(int root, Refusal *why) {
        plan_ = RefreshPlan{};
        node_of_.clear();
        scope_ = 0;
        AddNode(root, -1, false, {}, {});

        // Inner equalities may serve as edges; whatever is not used stays a filter.
        std::vector<ColumnEquality> pool;
        for (size_t i = 0; i < shape_.where.size(); i++)
            if (auto eq = AsColumnEquality(shape_.where[i], i)) pool.push_back(*eq);
        std::set<size_t> used_conjuncts;

        bool progress = true;
        while (progress) {
            progress = false;
            for (const FromItem &item : shape_.from) {
                if (node_of_.count(item.rel)) continue;
                if (item.join == FromItem::Join::kLeft) {
                    if (TryLeftEdge(item, why)) progress = true;
                    else if (!why->message.empty()) return false;
                    continue;
                }
                if (TryInnerEdge(item.rel, pool, &used_conjuncts)) progress = true;
            }
        }
        for (const FromItem &item : shape_.from) {
            if (node_of_.count(item.rel)) continue;
            const Relation &rel = shape_.relations[item.rel];
            if (item.join == FromItem::Join::kLeft) {
                *why = Refuse("LEFT JOIN of " + rel.name + " is not on a unique key",
                              "The ON clause must equate a unique key of " + rel.name +
                                  " with columns of one relation joined before it; other conditions may read "
                                  "relations joined before it.",
                              "Join on the primary key or a unique key of " + rel.name + ".", item.location);
                return false;
            }
            *why = Refuse("joining " + rel.name + " would repeat rows of the TVIEW",
                          "Relation " + rel.name + " is not joined on one of its unique keys to a relation "
                          "that is itself one row per TVIEW row.",
                          "Join each table on its primary key or a unique key (a to-one join, such as "
                          "JOIN tb_user u ON u.pk_user = p.fk_user); aggregate child rows in a correlated "
                          "subquery of the select list instead.",
                          item.location >= 0 ? item.location : rel.location);
            return false;
        }
        for (size_t i = 0; i < shape_.where.size(); i++)
            if (!used_conjuncts.count(i)) AddPredicate(shape_.where[i], -1);
        return true;
    }

    // The scope of subquery `s`: its first relation is the child table, tied by the correlation
    // equalities to one node of the enclosing scope; its other relations are to-one joins of the
    // child; its other conditions are filters evaluated by the subquery itself.
    std::optional<Refusal> BuildScope(int s) {
        const SubqueryShape &sub = shape_.subqueries[s];
        if (!sub.aggregate)
            return Refuse("a subquery in the select list of a TVIEW must aggregate its rows",
                          "Subqueries of the select list are maintained as aggregates of child rows.",
                          "Aggregate the child rows (jsonb_agg, count, sum, ...) without GROUP BY.", sub.location);
        if (sub.from.empty() || sub.from[0].join != FromItem::Join::kFirst)
            return Refuse("a subquery of a TVIEW must read from a table", "The subquery has no FROM clause.",
                          "Aggregate the rows of a child table.", sub.location);
        for (const FromItem &item : sub.from) {
            const Relation &rel = shape_.relations[item.rel];
            if (rel.kind == Relation::Kind::kOther)
                return Refuse(rel.kind_name + " " + rel.name + " cannot be a source of a TVIEW",
                              "TVIEW sources must be tables or views over tables.",
                              "Read the tables it is built from instead.", rel.location);
        }
        const int child = sub.from[0].rel;
        const std::string child_name = shape_.relations[child].name;
        std::vector<ColumnEquality> pool;
        for (size_t i = 0; i < sub.where.size(); i++)
            if (auto eq = AsColumnEquality(sub.where[i], i)) pool.push_back(*eq);
        std::set<size_t> used;
        int outer = -1;
        std::vector<int> outer_attnos, child_attnos;
        for (const ColumnEquality &eq : pool) {
            bool a_child = eq.rel_a == child, b_child = eq.rel_b == child;
            int other = a_child ? eq.rel_b : b_child ? eq.rel_a : -1;
            if (other < 0 || !node_of_.count(other)) continue;
            int n = node_of_[other];
            if (outer >= 0 && outer != n)
                return Refuse("a subquery of a TVIEW must be correlated to one relation",
                              "The rows of " + child_name + " are tied to more than one relation of the enclosing query.",
                              "Tie the child rows to one parent, such as WHERE c.fk_post = p.pk_post.", sub.location);
            outer = n;
            outer_attnos.push_back(a_child ? eq.att_b : eq.att_a);
            child_attnos.push_back(a_child ? eq.att_a : eq.att_b);
            used.insert(eq.source);
        }
        if (outer < 0)
            return Refuse("a subquery of a TVIEW must be correlated to the TVIEW row",
                          "The subquery reads " + child_name + " without a condition tying its rows to the row of the "
                          "enclosing query, so every change of " + child_name + " would change every TVIEW row.",
                          "Add a condition such as WHERE c.fk_post = p.pk_post.", sub.location);
        int saved_scope = scope_;
        scope_ = s + 1;
        AddNode(child, outer, false, outer_attnos, child_attnos);
        bool progress = true;
        while (progress) {
            progress = false;
            for (size_t i = 1; i < sub.from.size(); i++) {
                const FromItem &item = sub.from[i];
                if (node_of_.count(item.rel)) continue;
                Refusal why;
                if (item.join == FromItem::Join::kLeft) {
                    if (TryLeftEdge(item, &why)) progress = true;
                    else if (!why.message.empty()) return why;
                } else if (TryInnerEdge(item.rel, pool, &used)) {
                    progress = true;
                }
            }
        }
        for (size_t i = 1; i < sub.from.size(); i++)
            if (!node_of_.count(sub.from[i].rel))
                return Refuse("joining " + shape_.relations[sub.from[i].rel].name + " in a subquery would repeat rows",
                              "Inside a subquery of a TVIEW, other relations must be joined to the child table on one "
                              "of their unique keys.",
                              "Join each table on its primary key or a unique key.", sub.location);
        for (size_t i = 0; i < sub.where.size(); i++)
            if (!used.count(i)) AddPredicate(sub.where[i], -1);
        std::vector<int> nested;
        CollectSubqueries(sub.target, &nested);
        for (int n : nested)
            if (auto r = BuildScope(n)) return r;
        scope_ = saved_scope;
        return std::nullopt;
    }

    int AddNode(int rel, int parent, bool left, std::vector<int> parent_attnos, std::vector<int> key_attnos) {
        PlanNode n;
        n.rel = rel;
        n.parent = parent;
        n.left_join = left;
        n.parent_attnos = std::move(parent_attnos);
        n.key_attnos = std::move(key_attnos);
        n.scope = scope_;
        int id = static_cast<int>(plan_.nodes.size());
        plan_.nodes.push_back(std::move(n));
        if (parent >= 0) plan_.nodes[parent].children.push_back(id);
        node_of_[rel] = id;
        return id;
    }

    // An inner-joined relation is reachable when equalities tie a unique key of it to columns of
    // one relation already in the tree.
    bool TryInnerEdge(int rel, const std::vector<ColumnEquality> &pool, std::set<size_t> *used) {
        std::map<int, std::vector<const ColumnEquality *>> by_parent;  // parent node -> equalities
        for (const ColumnEquality &eq : pool) {
            if (used->count(eq.source)) continue;
            if (eq.rel_a == rel && node_of_.count(eq.rel_b)) by_parent[node_of_[eq.rel_b]].push_back(&eq);
            if (eq.rel_b == rel && node_of_.count(eq.rel_a)) by_parent[node_of_[eq.rel_a]].push_back(&eq);
        }
        for (auto &[parent, eqs] : by_parent) {
            std::set<int> mine;
            for (const ColumnEquality *eq : eqs) mine.insert(eq->rel_a == rel ? eq->att_a : eq->att_b);
            std::vector<int> key = CoveredKey(shape_.relations[rel], mine);
            if (key.empty()) continue;
            std::vector<int> parent_attnos;
            for (int k : key)
                for (const ColumnEquality *eq : eqs) {
                    int my_att = eq->rel_a == rel ? eq->att_a : eq->att_b;
                    if (my_att != k) continue;
                    parent_attnos.push_back(eq->rel_a == rel ? eq->att_b : eq->att_a);
                    used->insert(eq->source);
                    break;
                }
            AddNode(rel, parent, false, parent_attnos, key);
            return true;
        }
        return false;
    }

    // A LEFT JOIN's ON clause must tie a unique key of the joined relation to columns of one
    // relation already in the tree; its other conditions become the edge's filter.
    bool TryLeftEdge(const FromItem &item, Refusal *why) {
        *why = Refusal{};
        const Relation &rel = shape_.relations[item.rel];
        std::map<int, std::vector<ColumnEquality>> by_parent;
        for (size_t i = 0; i < item.conditions.size(); i++) {
            auto eq = AsColumnEquality(item.conditions[i], i);
            if (!eq) continue;
            if (eq->rel_a == item.rel && node_of_.count(eq->rel_b)) by_parent[node_of_[eq->rel_b]].push_back(*eq);
            if (eq->rel_b == item.rel && node_of_.count(eq->rel_a)) by_parent[node_of_[eq->rel_a]].push_back(*eq);
        }
        for (auto &[parent, eqs] : by_parent) {
            std::set<int> mine;
            for (const ColumnEquality &eq : eqs) mine.insert(eq.rel_a == item.rel ? eq.att_a : eq.att_b);
            std::vector<int> key = CoveredKey(rel, mine);
            if (key.empty()) continue;
            std::vector<int> parent_attnos;
            std::set<size_t> used;
            for (int k : key)
                for (const ColumnEquality &eq : eqs) {
                    int my_att = eq.rel_a == item.rel ? eq.att_a : eq.att_b;
                    if (my_att != k) continue;
                    parent_attnos.push_back(eq.rel_a == item.rel ? eq.att_b : eq.att_a);
                    used.insert(eq.source);
                    break;
                }
            // Every other condition may read the joined relation and relations already in the
            // tree; one reading a relation not reached yet is retried in a later pass.
            for (size_t i = 0; i < item.conditions.size(); i++) {
                if (used.count(i)) continue;
                for (int r : RelsOf(shape_, item.conditions[i]))
                    if (r != item.rel && !node_of_.count(r)) return false;
            }
            int node = AddNode(item.rel, parent, true, parent_attnos, key);
            for (size_t i = 0; i < item.conditions.size(); i++)
                if (!used.count(i)) plan_.nodes[node].edge_filters.push_back(AddPredicate(item.conditions[i], node));
            return true;
        }
        if (by_parent.empty() && !item.conditions.empty()) {
            // The ON clause ties the relation to nothing joined so far: maybe to something later.
            bool reads_later = false;
            for (const Expr &c : item.conditions)
                for (int r : RelsOf(shape_, c))
                    if (r != item.rel && !node_of_.count(r)) reads_later = true;
            if (!reads_later) {
                *why = Refuse("LEFT JOIN of " + rel.name + " is not on a unique key",
                              "The ON clause does not equate a unique key of " + rel.name +
                                  " with columns of a relation joined before it.",
                              "Join on the primary key or a unique key of " + rel.name + ".", item.location);
                return false;
            }
        }
        return false;
    }

    int AddPredicate(const Expr &e, int edge_of) {
        Predicate p;
        p.handle = e.handle;
        p.inputs = InputsOf(e);
        p.edge_of = edge_of;
        p.scope = scope_;
        plan_.predicates.push_back(std::move(p));
        return static_cast<int>(plan_.predicates.size() - 1);
    }

    std::vector<Input> InputsOf(const Expr &e) {
        std::vector<std::pair<int, int>> cols;
        CollectColumns(shape_, e, &cols);
        std::vector<Input> out;
        for (auto &[rel, attno] : cols) {
            Input in{node_of_.at(rel), attno};
            if (std::find(out.begin(), out.end(), in) == out.end()) out.push_back(in);
        }
        return out;
    }

    // Whether a leaf is a counter (plan.hpp): (SELECT count(*) | count(c.x) | sum(c.x) FROM child c
    // WHERE <correlation only>), bare or in COALESCE(..., 0), summing a smallint, integer or bigint.
    Counter CounterOf(const Expr &leaf) const {
        const Expr *e = &leaf;
        if (e->kind == Expr::Kind::kOther && e->coalesce_zero && e->args.size() == 2) e = &e->args[0];
        if (e->kind != Expr::Kind::kSubquery) return {};
        const SubqueryShape &sub = shape_.subqueries[e->sub];
        if (!sub.aggregate || sub.from.size() != 1) return {};
        const int child_rel = sub.from[0].rel;
        for (size_t i = 0; i < sub.where.size(); i++) {  // the correlation only: child column = enclosing column
            auto eq = AsColumnEquality(sub.where[i], i);
            if (!eq || (eq->rel_a == child_rel) == (eq->rel_b == child_rel)) return {};
        }
        const Expr &t = sub.target;
        if (t.kind != Expr::Kind::kOther || !t.aggregate_plain) return {};
        Counter c;
        if (t.aggregate == "count" && t.aggregate_star && t.args.empty()) {
            c.kind = Counter::Kind::kCountStar;
        } else {
            if (t.args.size() != 1 || t.args[0].kind != Expr::Kind::kColumn || t.args[0].rel != child_rel ||
                t.args[0].attno <= 0 || t.aggregate_star)
                return {};
            c.attno = t.args[0].attno;
            const std::vector<std::string> &types = shape_.relations[child_rel].atttypes;
            std::string type = c.attno <= static_cast<int>(types.size()) ? types[c.attno - 1] : "";
            if (t.aggregate == "count") c.kind = Counter::Kind::kCountColumn;
            else if (t.aggregate == "sum" && (type == "smallint" || type == "integer")) c.kind = Counter::Kind::kSumInt;
            else if (t.aggregate == "sum" && type == "bigint") c.kind = Counter::Kind::kSumInt8;
            else return {};
        }
        // The child node of the subquery's scope: reached from its parent by the correlation edge.
        for (size_t n = 0; n < plan_.nodes.size(); n++)
            if (plan_.nodes[n].scope == e->sub + 1 && plan_.nodes[n].rel == child_rel) c.node = static_cast<int>(n);
        if (c.node < 0) return {};
        return c;
    }

    // Adds the leaves of a jsonb_build_object/array tree; returns false if `e` is not a tree whose
    // paths are fixed (constant, distinct keys).
    bool IsTree(const Expr &e) {
        if (e.kind == Expr::Kind::kJsonbArray) return true;
        if (e.kind != Expr::Kind::kJsonbObject || e.args.size() % 2 != 0) return false;
        std::set<std::string> keys;
        for (size_t i = 0; i < e.args.size(); i += 2) {
            const Expr &k = e.args[i];
            if (k.kind != Expr::Kind::kConst || k.const_null || !k.const_is_text) return false;
            if (!keys.insert(k.const_text).second) return false;
        }
        return true;
    }

    void AddLeaves(int column, const Expr &e, std::vector<std::string> path) {
        if (!path.empty() && !IsTree(e)) {
            Leaf leaf;
            leaf.column = column;
            leaf.path = std::move(path);
            leaf.handle = e.handle;
            leaf.inputs = InputsOf(e);
            leaf.counter = CounterOf(e);
            plan_.columns[column].leaves.push_back(static_cast<int>(plan_.leaves.size()));
            plan_.leaves.push_back(std::move(leaf));
            return;
        }
        if (e.kind == Expr::Kind::kJsonbObject) {
            for (size_t i = 0; i < e.args.size(); i += 2) {
                auto p = path;
                p.push_back(e.args[i].const_text);
                AddLeaves(column, e.args[i + 1], p);
            }
        } else {
            for (size_t i = 0; i < e.args.size(); i++) {
                auto p = path;
                p.push_back(std::to_string(i));
                AddLeaves(column, e.args[i], p);
            }
        }
    }

    PlanResult Finish() {
        const int root_rel = plan_.nodes[0].rel;
        const Relation &root = shape_.relations[root_rel];
        // The root's key must be selected as plain columns: it identifies the TVIEW row.
        std::map<int, int> target_of_root_attno;
        for (size_t i = 0; i < shape_.targets.size(); i++) {
            const Expr &e = shape_.targets[i].expr;
            if (e.kind == Expr::Kind::kColumn && e.rel == root_rel && e.attno > 0 &&
                !target_of_root_attno.count(e.attno))
                target_of_root_attno[e.attno] = static_cast<int>(i);
        }
        std::optional<std::vector<int>> chosen;
        for (size_t i = 0; i < root.unique_keys.size(); i++) {
            const auto &key = root.unique_keys[i];
            bool ok = std::all_of(key.begin(), key.end(), [&](int a) {
                return target_of_root_attno.count(a) && a - 1 < static_cast<int>(root.attnotnull.size()) &&
                       root.attnotnull[a - 1];
            });
            if (!ok) continue;
            if (!chosen || static_cast<int>(i) == root.primary_key) chosen = key;
            if (static_cast<int>(i) == root.primary_key) break;
        }
        if (!chosen) {
            std::string key_text;
            if (root.primary_key >= 0) {
                for (int a : root.unique_keys[root.primary_key])
                    key_text += (key_text.empty() ? "" : ", ") + root.attnames[a - 1];
            }
            return Refuse("the select list of a TVIEW must include the key of its root table " + root.name,
                          root.unique_keys.empty()
                              ? "Table " + root.name + " has no primary key or unique key of NOT NULL columns."
                              : "The key identifies the TVIEW row that mirrors each row of " + root.name + ".",
                          root.unique_keys.empty()
                              ? "Add a primary key to " + root.name + "."
                              : "Add " + (key_text.empty() ? std::string("a unique NOT NULL key") : key_text) +
                                    " to the select list.",
                          root.location);
        }
        plan_.root_key = *chosen;
        for (int a : *chosen) plan_.key_columns.push_back(target_of_root_attno[a]);

        // The child rows each subquery of the select list aggregates.
        for (const TargetColumn &t : shape_.targets) {
            std::vector<int> subs;
            CollectSubqueries(t.expr, &subs);
            for (int s : subs)
                if (auto r = BuildScope(s)) return *r;
        }

        for (size_t i = 0; i < shape_.targets.size(); i++) {
            const TargetColumn &t = shape_.targets[i];
            Column c;
            c.name = t.name;
            c.handle = t.expr.handle;
            c.inputs = InputsOf(t.expr);
            c.json_tree = IsTree(t.expr);
            plan_.columns.push_back(std::move(c));
            if (plan_.columns.back().json_tree) {
                AddLeaves(static_cast<int>(i), t.expr, {});
            } else {
                Leaf leaf;
                leaf.column = static_cast<int>(i);
                leaf.handle = t.expr.handle;
                leaf.inputs = plan_.columns.back().inputs;
                leaf.counter = CounterOf(t.expr);
                plan_.columns.back().leaves.push_back(static_cast<int>(plan_.leaves.size()));
                plan_.leaves.push_back(std::move(leaf));
            }
        }
        return plan_;
    }

    const QueryShape &shape_;
    RefreshPlan plan_;
    int scope_ = 0;  // the scope nodes and predicates are being added to
    std::map<int, int> node_of_;  // relation index -> node
};

}  // namespace

bool IsSessionDependent(const std::string &name) {
    if (SessionDependentNames().count(name)) return true;
    return HasPrefix(name, "pg_") || HasPrefix(name, "has_") || HasPrefix(name, "to_reg") ||
           HasPrefix(name, "current_");
}

// Rules on the sources a maintainable shape reads, checked once the plan says which columns are
// read and joined: SELECT privilege on the views and on the columns maintenance reads (the
// creator owns the TVIEW and could otherwise read through it), join columns of the same type
// (the kernels compare them as values of one type), no row-level security filtering what the
// creator reads, no temporary source under a permanent TVIEW.
std::optional<Refusal> CheckSources(const QueryShape &shape, const RefreshPlan &plan) {
    auto denied = [](const std::string &what) {
        Refusal r = Refuse("permission denied for " + what, "Creating a TVIEW needs SELECT on every relation it reads.", "");
        r.state = sqlstate::kInsufficientPrivilege;
        return r;
    };
    for (const ViewRef &view : shape.views)
        if (!view.select_granted) return denied("view " + view.qualified_name);
    for (size_t n = 0; n < plan.nodes.size(); n++) {
        const Relation &rel = shape.relations[plan.nodes[n].rel];
        if (rel.select_granted) continue;
        std::vector<int> attnos = plan.UsedAttnos(static_cast<int>(n));
        if (attnos.empty()) attnos.push_back(0);
        for (int attno : attnos)
            if (attno <= 0 || attno > static_cast<int>(rel.attselect.size()) || !rel.attselect[attno - 1])
                return denied("table " + rel.qualified_name);
    }
    auto type = [](const Relation &r, int attno) {
        return attno > 0 && attno <= static_cast<int>(r.atttypes.size()) ? r.atttypes[attno - 1] : std::string();
    };
    auto name = [](const Relation &r, int attno) {
        return attno > 0 && attno <= static_cast<int>(r.attnames.size()) ? r.attnames[attno - 1] : std::string("?");
    };
    for (const PlanNode &node : plan.nodes) {
        if (node.parent < 0) continue;
        const Relation &child = shape.relations[node.rel];
        const Relation &parent = shape.relations[plan.nodes[node.parent].rel];
        for (size_t i = 0; i < node.key_attnos.size(); i++) {
            std::string a = type(child, node.key_attnos[i]), b = type(parent, node.parent_attnos[i]);
            if (!a.empty() && !b.empty() && a != b)
                return Refuse("join columns of different types are not supported in a TVIEW definition",
                              "Column " + name(parent, node.parent_attnos[i]) + " of " + parent.qualified_name +
                                  " is joined to column " + name(child, node.key_attnos[i]) + " of " +
                                  child.qualified_name + ", of another type.",
                              "Give both columns the same type.");
        }
    }
    for (const PlanNode &node : plan.nodes) {
        const Relation &rel = shape.relations[node.rel];
        if (rel.row_security_applies)
            return Refuse("row-level security of table " + rel.qualified_name + " applies to the creator",
                          "A TVIEW holds every row of its definition for all its readers; maintenance does not apply "
                          "row-level security policies.",
                          "Create the TVIEW as a role that bypasses the policies (the table's owner without FORCE ROW "
                          "LEVEL SECURITY, or a role with BYPASSRLS), and protect the TVIEW itself with GRANT or its "
                          "own policies.");
    }
    if (!shape.temporary)
        for (const Relation &rel : shape.relations)
            if (rel.temporary)
                return Refuse("a TVIEW over temporary table " + rel.relname + " must be temporary",
                              "The temporary table disappears at the end of the session.",
                              "Create it with CREATE TEMPORARY TABLE ... USING tview_am AS SELECT ....");
    return std::nullopt;
}

PlanResult BuildPlan(const QueryShape &shape) { return Builder(shape).Build(); }

PlanResult PlanForCreate(const QueryShape &shape) {
    PlanResult result = BuildPlan(shape);
    if (auto *plan = std::get_if<RefreshPlan>(&result))
        if (auto refusal = CheckSources(shape, *plan)) return *refusal;
    return result;
}

}  // namespace tviews::planner

// front_end.cpp: see front_end.hpp.
#include "checker/front_end.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "checker/json.hpp"
#include "planner/planner.hpp"

extern "C" {
#include <pg_query.h>
}

namespace tviews::checker {

namespace {

using planner::Construct;
using planner::Expr;
using planner::FromItem;
using planner::FunctionRef;
using planner::QueryShape;
using planner::SubqueryShape;
using planner::TargetColumn;
using planner::Volatility;

std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// A table (or TVIEW) the files create.
struct Table {
    std::string schema;  // empty: unqualified (public)
    std::string name;
    std::vector<std::string> columns;
    std::vector<bool> notnull;
    std::vector<std::vector<int>> uniques;  // attnos
    int primary_key = -1;
    bool tview = false;
    std::vector<std::vector<int>> indexes;  // leading columns of every index (for lookups)

    int Attno(const std::string &col) const {
        for (size_t i = 0; i < columns.size(); i++)
            if (columns[i] == col) return static_cast<int>(i) + 1;
        return 0;
    }
    std::string Display() const { return schema.empty() ? name : schema + "." + name; }
};

// PostgreSQL 15's built-in functions that are not immutable (the planner refuses volatile
// ones and the session-dependent stable ones); everything else built in is taken as immutable.
const std::map<std::string, Volatility> &BuiltinVolatility() {
    static const std::map<std::string, Volatility> table = {
        {"random", Volatility::kVolatile},          {"clock_timestamp", Volatility::kVolatile},
        {"timeofday", Volatility::kVolatile},       {"nextval", Volatility::kVolatile},
        {"setval", Volatility::kVolatile},          {"gen_random_uuid", Volatility::kVolatile},
        {"txid_current", Volatility::kStable},      {"now", Volatility::kStable},
        {"statement_timestamp", Volatility::kStable}, {"transaction_timestamp", Volatility::kStable},
        {"current_setting", Volatility::kStable},   {"age", Volatility::kStable},
        {"to_char", Volatility::kStable},           {"current_user", Volatility::kStable},
        {"session_user", Volatility::kStable},      {"current_schema", Volatility::kStable},
        {"pg_backend_pid", Volatility::kStable},
    };
    return table;
}

class Schema {
public:
    std::vector<Table> tables;
    std::map<std::string, Volatility> functions;  // CREATE FUNCTION in the files
    std::map<std::string, Json> views;             // CREATE VIEW: name (and schema.name) -> SelectStmt

    const Json *FindView(const std::string &schema, const std::string &name) const {
        auto it = views.find(schema.empty() ? name : schema + "." + name);
        if (it == views.end() && schema == "public") it = views.find(name);
        return it == views.end() ? nullptr : &it->second;
    }

    int Find(const std::string &schema, const std::string &name) const {
        int found = -1;
        for (size_t i = 0; i < tables.size(); i++) {
            const Table &t = tables[i];
            if (t.name != name) continue;
            bool schema_ok = schema.empty() ? (t.schema.empty() || t.schema == "public") : t.schema == schema ||
                                                                                              (t.schema.empty() && schema == "public");
            if (schema_ok) found = static_cast<int>(i);
        }
        return found;
    }
};

std::string StringValue(const Json &node) {  // {"String": {"sval": ...}}
    return node["String"]["sval"].str();
}

std::vector<std::string> Names(const Json &list) {
    std::vector<std::string> out;
    for (const Json &n : list.array) out.push_back(StringValue(n));
    return out;
}

struct CheckProblem : std::runtime_error {
    int location;
    CheckProblem(const std::string &what, int loc) : std::runtime_error(what), location(loc) {}
};

// One query level's names: the relations of its FROM and what encloses it.
struct Level {
    const Level *parent = nullptr;
    std::vector<std::pair<std::string, int>> aliases;  // alias -> shape relation
    // Views and subqueries of FROM, flattened: alias -> their output columns' expressions.
    std::vector<std::pair<std::string, std::map<std::string, Expr>>> derived;
};

class Builder {
public:
    Builder(const Schema &schema, QueryShape &shape) : schema_(schema), shape_(shape) {}

    void TopLevel(const Json &select) {
        Level level;
        CheckLevel(select, "");
        for (const Json &item : select["fromClause"].array) Flatten(item, &level, shape_.from, shape_.where, first_);
        if (!select["whereClause"].is_null()) Conjuncts(select["whereClause"], &level, shape_.where);
        for (const Json &t : select["targetList"].array) {
            const Json &rt = t["ResTarget"];
            TargetColumn col;
            col.expr = Build(rt["val"], &level, true);
            col.name = rt["name"].str(DefaultName(rt["val"]));
            shape_.targets.push_back(std::move(col));
        }
        // An aggregate of the TVIEW's own level (not inside a subquery of child rows).
        if (aggregate_seen_) Unsupported("aggregate function", -1);
    }

    const std::vector<int> &TableOf() const { return table_of_; }

private:
    void Unsupported(const std::string &name, int location, const std::string &detail = "") {
        shape_.unsupported.push_back(Construct{name, detail, location});
    }

    void CheckLevel(const Json &s, const std::string &where) {
        if (s["op"].str("SETOP_NONE") != "SETOP_NONE") {
            std::string op = s["op"].str();
            Unsupported(op == "SETOP_UNION" ? "UNION" : op == "SETOP_INTERSECT" ? "INTERSECT" : "EXCEPT", -1);
        }
        if (!s["withClause"].is_null()) Unsupported("WITH" + where, -1);
        if (!s["groupClause"].is_null()) Unsupported("GROUP BY" + where, -1);
        if (!s["havingClause"].is_null()) Unsupported("HAVING" + where, s["havingClause"].node()["location"].integer());
        if (!s["distinctClause"].is_null()) Unsupported("DISTINCT" + where, -1);
        if (!s["limitCount"].is_null()) Unsupported("LIMIT" + where, -1);
        if (!s["limitOffset"].is_null()) Unsupported("OFFSET" + where, -1);
        if (!s["lockingClause"].is_null()) Unsupported("FOR UPDATE/FOR SHARE" + where, -1);
        if (!s["windowClause"].is_null()) Unsupported("window function" + where, -1);
    }

    int AddRelation(const Json &rv, Level *level) {
        std::string schema = rv["schemaname"].str(), name = rv["relname"].str();
        int t = schema_.Find(schema, name);
        int location = rv["location"].integer();
        if (t < 0)
            throw CheckProblem("relation \"" + (schema.empty() ? name : schema + "." + name) + "\" does not exist",
                               location);
        const Table &table = schema_.tables[t];
        planner::Relation rel;
        rel.oid = static_cast<uint32_t>(t + 1);
        rel.name = table.Display();
        rel.kind = table.tview ? planner::Relation::Kind::kTview : planner::Relation::Kind::kTable;
        rel.attnames = table.columns;
        rel.attnotnull = table.notnull;
        rel.unique_keys = table.uniques;
        rel.primary_key = table.primary_key;
        rel.location = location;
        shape_.relations.push_back(std::move(rel));
        table_of_.push_back(t);
        int index = static_cast<int>(shape_.relations.size()) - 1;
        level->aliases.emplace_back(rv["alias"]["aliasname"].str(name), index);
        return index;
    }

    // Left-deep FROM items, as the server's front end flattens them.
    void Flatten(const Json &item, Level *level, std::vector<FromItem> &from, std::vector<Expr> &where, bool &first) {
        std::string type = item.node_type();
        const Json &n = item.node();
        if (type == "RangeVar" && schema_.FindView(n["schemaname"].str(), n["relname"].str()) != nullptr) {
            const Json &view = *schema_.FindView(n["schemaname"].str(), n["relname"].str());
            FlattenDerived(view, n["alias"]["aliasname"].str(n["relname"].str()), level, from, where, first);
        } else if (type == "RangeVar") {
            FromItem f;
            f.rel = AddRelation(n, level);
            f.join = first ? FromItem::Join::kFirst : FromItem::Join::kInner;
            f.location = n["location"].integer();
            from.push_back(std::move(f));
            first = false;
        } else if (type == "JoinExpr") {
            std::string jt = n["jointype"].str();
            Flatten(n["larg"], level, from, where, first);
            if (jt == "JOIN_INNER") {
                Flatten(n["rarg"], level, from, where, first);
                if (!n["quals"].is_null()) Conjuncts(n["quals"], level, where);
            } else if (jt == "JOIN_LEFT" && DerivedSelect(n["rarg"]) != nullptr) {
                // A view or subquery on the right of LEFT JOIN: one relation, its WHERE and the ON
                // condition becoming the edge's conditions.
                const Json &select = *DerivedSelect(n["rarg"]);
                const Json &inner_from = select["fromClause"];
                if (inner_from.array.size() != 1 || inner_from.at(0).node_type() != "RangeVar" ||
                    DerivedSelect(inner_from.at(0)) != nullptr) {
                    Unsupported(inner_from.array.size() == 1 && inner_from.at(0).node_type() == "JoinExpr"
                                    ? "a join on the right side of LEFT JOIN"
                                    : "a view or subquery of several relations on the right side of LEFT JOIN",
                                -1);
                    // (its columns still resolve, so the rest of the query reads as the server's)
                    std::vector<FromItem> unused_from;
                    std::vector<Expr> unused_where;
                    bool unused_first = false;
                    FlattenDerived(select, DerivedAlias(n["rarg"]), level, unused_from, unused_where, unused_first);
                    return;
                }
                CheckLevel(select, "");
                Level inner;
                FromItem f;
                f.rel = AddRelation(inner_from.at(0).node(), &inner);
                f.join = FromItem::Join::kLeft;
                f.location = inner_from.at(0).node()["location"].integer();
                if (!select["whereClause"].is_null()) Conjuncts(select["whereClause"], &inner, f.conditions);
                level->derived.emplace_back(DerivedAlias(n["rarg"]), Outputs(select, &inner));
                if (!n["quals"].is_null()) Conjuncts(n["quals"], level, f.conditions);
                from.push_back(std::move(f));
            } else if (jt == "JOIN_LEFT" && n["rarg"].node_type() == "RangeVar") {
                FromItem f;
                f.rel = AddRelation(n["rarg"].node(), level);
                f.join = FromItem::Join::kLeft;
                f.location = n["rarg"].node()["location"].integer();
                if (!n["quals"].is_null()) Conjuncts(n["quals"], level, f.conditions);
                from.push_back(std::move(f));
            } else if (n["rarg"].node_type() == "RangeVar") {
                FromItem f;
                f.rel = AddRelation(n["rarg"].node(), level);
                f.join = FromItem::Join::kUnsupported;
                f.join_name = jt == "JOIN_RIGHT" ? "RIGHT JOIN" : jt == "JOIN_FULL" ? "FULL JOIN" : jt;
                f.location = n["rarg"].node()["location"].integer();
                from.push_back(std::move(f));
            } else {
                Unsupported(jt == "JOIN_LEFT" ? "a join on the right side of LEFT JOIN" : "this kind of join", -1);
            }
        } else if (type == "RangeSubselect") {
            if (n["lateral"].kind == Json::Kind::kBool && n["lateral"].boolean) {
                Unsupported("LATERAL", -1);
                return;
            }
            FlattenDerived(n["subquery"]["SelectStmt"], n["alias"]["aliasname"].str(), level, from, where, first);
        } else if (type == "RangeFunction") {
            Unsupported("set-returning function in FROM", -1);
        } else {
            Unsupported("this kind of FROM item (" + type + ")", -1);
        }
    }

    // The SelectStmt behind a FROM item that is a view or a subquery, or nullptr.
    const Json *DerivedSelect(const Json &item) const {
        const Json &n = item.node();
        if (item.node_type() == "RangeSubselect") return &n["subquery"]["SelectStmt"];
        if (item.node_type() == "RangeVar") return schema_.FindView(n["schemaname"].str(), n["relname"].str());
        return nullptr;
    }

    static std::string DerivedAlias(const Json &item) {
        const Json &n = item.node();
        return n["alias"]["aliasname"].str(n["relname"].str());
    }

    std::map<std::string, Expr> Outputs(const Json &select, Level *inner) {
        std::map<std::string, Expr> out;
        for (const Json &t : select["targetList"].array) {
            const Json &rt = t["ResTarget"];
            out[rt["name"].str(DefaultName(rt["val"]))] = Build(rt["val"], inner, true);
        }
        return out;
    }

    // A view or subquery of FROM joined inner: its relations join the enclosing FROM, its WHERE
    // the enclosing WHERE, and its output columns become expressions over them (as the server
    // flattens views).
    void FlattenDerived(const Json &select, const std::string &alias, Level *level, std::vector<FromItem> &from,
                        std::vector<Expr> &where, bool &first) {
        CheckLevel(select, "");
        auto inner = std::make_unique<Level>();
        for (const Json &item : select["fromClause"].array) Flatten(item, inner.get(), from, where, first);
        if (!select["whereClause"].is_null()) Conjuncts(select["whereClause"], inner.get(), where);
        level->derived.emplace_back(alias, Outputs(select, inner.get()));
        levels_.push_back(std::move(inner));
    }

    void Conjuncts(const Json &node, Level *level, std::vector<Expr> &out) {
        if (node.node_type() == "BoolExpr" && node.node()["boolop"].str() == "AND_EXPR") {
            for (const Json &a : node.node()["args"].array) Conjuncts(a, level, out);
            return;
        }
        out.push_back(Build(node, level, false));
    }

    // Resolves a column reference through the levels (correlation: outer levels).
    Expr Column(const Json &n, const Level *level) {
        std::vector<std::string> fields;
        bool star = false;
        for (const Json &f : n["fields"].array) {
            if (f.node_type() == "A_Star") star = true;
            else fields.push_back(StringValue(f));
        }
        Expr e;
        e.kind = Expr::Kind::kColumn;
        e.location = n["location"].integer();
        for (const Level *l = level; l != nullptr; l = l->parent) {
            for (const auto &[alias, columns] : l->derived) {
                std::string col = fields.size() == 1 ? fields[0] : fields.size() >= 2 && fields[fields.size() - 2] == alias ? fields.back() : "";
                if (star || col.empty()) continue;
                auto it = columns.find(col);
                if (it != columns.end()) return it->second;
            }
            if (fields.size() == 1 && !star) {
                int found = -1, attno = 0;
                for (const auto &[alias, rel] : l->aliases) {
                    int a = schema_.tables[table_of_[rel]].Attno(fields[0]);
                    if (a == 0) continue;
                    if (found >= 0) throw CheckProblem("column reference \"" + fields[0] + "\" is ambiguous", e.location);
                    found = rel;
                    attno = a;
                }
                if (found < 0) {  // a whole-row reference by alias (to_jsonb(u))
                    for (const auto &[alias, rel] : l->aliases)
                        if (alias == fields[0]) found = rel;
                    if (found >= 0) attno = 0;
                }
                if (found >= 0) {
                    e.rel = found;
                    e.attno = attno;
                    return e;
                }
            } else if (!fields.empty()) {
                const std::string &qualifier = fields[fields.size() - (star ? 1 : 2)];
                for (const auto &[alias, rel] : l->aliases) {
                    if (alias != qualifier) continue;
                    e.rel = rel;
                    e.attno = star ? 0 : schema_.tables[table_of_[rel]].Attno(fields.back());
                    if (!star && e.attno == 0)
                        throw CheckProblem("column " + qualifier + "." + fields.back() + " does not exist", e.location);
                    return e;
                }
            }
        }
        std::string text;
        for (const std::string &f : fields) text += (text.empty() ? "" : ".") + f;
        throw CheckProblem("column \"" + text + "\" does not exist", e.location);
    }

    FunctionRef Function(const std::vector<std::string> &names) {
        FunctionRef f;
        f.name = Lower(names.empty() ? "?" : names.back());
        bool qualified = names.size() > 1 && Lower(names[0]) != "pg_catalog";
        auto user = schema_.functions.find(f.name);
        if (qualified || user != schema_.functions.end()) {
            f.builtin = false;
            f.volatility = user != schema_.functions.end() ? user->second : Volatility::kVolatile;
        } else {
            auto b = BuiltinVolatility().find(f.name);
            f.volatility = b == BuiltinVolatility().end() ? Volatility::kImmutable : b->second;
        }
        return f;
    }

    static bool IsAggregate(const std::string &name) {
        static const std::set<std::string> aggs = {"count",     "sum",       "avg",      "min",      "max",
                                                   "jsonb_agg", "json_agg",  "array_agg", "string_agg", "bool_and",
                                                   "bool_or",   "every",     "jsonb_object_agg", "json_object_agg"};
        return aggs.count(name) > 0;
    }

    // `select_list`: the expression is in a select list (where scalar subqueries of child rows
    // belong), not in WHERE or a join condition.
    Expr Build(const Json &node, Level *level, bool select_list) {
        std::string type = node.node_type();
        const Json &n = node.node();
        Expr e;
        e.location = n["location"].integer();
        if (type == "ColumnRef") return Column(n, level);
        if (type == "A_Const") {
            e.kind = Expr::Kind::kConst;
            e.const_null = n["isnull"].kind == Json::Kind::kBool && n["isnull"].boolean;
            if (n.has("sval")) {
                e.const_is_text = true;
                e.const_text = n["sval"]["sval"].str();
            }
            return e;
        }
        if (type == "FuncCall") {
            std::vector<std::string> names = Names(n["funcname"]);
            FunctionRef f = Function(names);
            if (!n["over"].is_null()) Unsupported("window function", -1);
            bool explicit_args = !n.has("func_variadic");
            if ((f.name == "jsonb_build_object" || f.name == "jsonb_build_array") && f.builtin && explicit_args) {
                e.kind = f.name == "jsonb_build_object" ? Expr::Kind::kJsonbObject : Expr::Kind::kJsonbArray;
                e.functions.push_back(f);
            } else {
                e.kind = Expr::Kind::kOther;
                e.construct = "function " + f.name;
                e.functions.push_back(f);
                if (IsAggregate(f.name) && f.builtin) aggregate_seen_ = true;
            }
            for (const Json &a : n["args"].array) e.args.push_back(Build(a, level, select_list));
            for (const Json &o : n["agg_order"].array) e.args.push_back(Build(o["SortBy"]["node"], level, select_list));
            if (!n["agg_filter"].is_null()) e.args.push_back(Build(n["agg_filter"], level, select_list));
            return e;
        }
        if (type == "A_Expr") {
            std::vector<std::string> op = Names(n["name"]);
            std::string name = op.empty() ? "?" : op.back();
            e.kind = name == "=" && n["kind"].str() == "AEXPR_OP" ? Expr::Kind::kEquality : Expr::Kind::kOther;
            e.construct = "operator " + name;
            e.functions.push_back(FunctionRef{"operator " + name, Volatility::kImmutable, true});
            if (!n["lexpr"].is_null()) e.args.push_back(Build(n["lexpr"], level, select_list));
            if (!n["rexpr"].is_null()) {
                const Json &r = n["rexpr"];
                if (r.kind == Json::Kind::kArray) {
                    for (const Json &x : r.array) e.args.push_back(Build(x, level, select_list));
                } else {
                    e.args.push_back(Build(r, level, select_list));
                }
            }
            return e;
        }
        if (type == "SubLink") {
            std::string kind = n["subLinkType"].str();
            if (kind != "EXPR_SUBLINK" || !select_list) {
                std::string what = !select_list                ? "subquery in WHERE or JOIN"
                                   : kind == "EXISTS_SUBLINK" ? "EXISTS subquery"
                                   : kind == "ARRAY_SUBLINK" ? "ARRAY subquery"
                                   : kind == "ANY_SUBLINK"   ? "IN/ANY subquery"
                                   : kind == "ALL_SUBLINK"   ? "ALL subquery"
                                                             : "subquery in WHERE or JOIN";
                Unsupported(what, e.location);
                e.kind = Expr::Kind::kOther;
                e.construct = what;
                return e;
            }
            return Subquery(n["subselect"]["SelectStmt"], level, e.location);
        }
        if (type == "SQLValueFunction") {
            e.kind = Expr::Kind::kOther;
            e.construct = "current date/time or user";
            e.functions.push_back(FunctionRef{"current_timestamp", Volatility::kStable, true});
            return e;
        }
        if (type == "ParamRef") {
            Unsupported("parameter reference", e.location);
            return e;
        }
        // Anything else: casts, CASE, COALESCE, boolean and null tests, ... with its children.
        e.kind = Expr::Kind::kOther;
        e.construct = type;
        if (type == "TypeCast") {
            e.args.push_back(Build(n["arg"], level, select_list));
        } else {
            for (const auto &[key, child] : n.object) {
                if (child.kind == Json::Kind::kArray) {
                    for (const Json &c : child.array)
                        if (c.kind == Json::Kind::kObject && !c.node_type().empty() && std::isupper(static_cast<unsigned char>(c.node_type()[0])))
                            e.args.push_back(Build(c, level, select_list));
                } else if (child.kind == Json::Kind::kObject && !child.node_type().empty() && key != "typeName") {
                    e.args.push_back(Build(child, level, select_list));
                }
            }
        }
        return e;
    }

    Expr Subquery(const Json &select, Level *level, int location) {
        SubqueryShape sub;
        sub.location = location;
        Level inner;
        inner.parent = level;
        CheckLevel(select, " in a subquery");
        bool first = true;
        for (const Json &item : select["fromClause"].array) Flatten(item, &inner, sub.from, sub.where, first);
        if (!select["whereClause"].is_null()) Conjuncts(select["whereClause"], &inner, sub.where);
        bool outer_aggregate = aggregate_seen_;
        aggregate_seen_ = false;
        const Json &targets = select["targetList"];
        if (targets.array.size() != 1) throw CheckProblem("subquery must return only one column", location);
        sub.target = Build(targets.at(0)["ResTarget"]["val"], &inner, true);
        sub.aggregate = aggregate_seen_ && select["groupClause"].is_null();
        aggregate_seen_ = outer_aggregate;
        shape_.subqueries.push_back(std::move(sub));
        Expr e;
        e.kind = Expr::Kind::kSubquery;
        e.sub = static_cast<int>(shape_.subqueries.size()) - 1;
        e.location = location;
        return e;
    }

    static std::string DefaultName(const Json &val) {
        if (val.node_type() == "ColumnRef") {
            const Json &fields = val.node()["fields"];
            return fields.array.empty() ? "?column?" : StringValue(fields.array.back());
        }
        if (val.node_type() == "FuncCall") return Lower(Names(val.node()["funcname"]).back());
        return "?column?";
    }

    const Schema &schema_;
    QueryShape &shape_;
    std::vector<int> table_of_;  // shape relation -> schema table
    std::vector<std::unique_ptr<Level>> levels_;  // scopes of flattened views and subqueries
    bool first_ = true;
    bool aggregate_seen_ = false;
};

/* ------------------------------------------------------------------------
 * Schema statements.
 * ------------------------------------------------------------------------ */

void AddKey(Table &t, const std::vector<std::string> &cols, bool primary) {
    std::vector<int> key;
    for (const std::string &c : cols) {
        int a = t.Attno(c);
        if (a == 0) return;
        key.push_back(a);
        if (primary) t.notnull[a - 1] = true;
    }
    t.uniques.push_back(key);
    t.indexes.push_back(key);
    if (primary) t.primary_key = static_cast<int>(t.uniques.size()) - 1;
}

void ApplyConstraint(Table &t, const Json &c, const std::string &column) {
    std::string type = c["contype"].str();
    std::vector<std::string> cols = column.empty() ? Names(c["keys"]) : std::vector<std::string>{column};
    if (type == "CONSTR_PRIMARY") AddKey(t, cols, true);
    else if (type == "CONSTR_UNIQUE") AddKey(t, cols, false);
    else if (type == "CONSTR_NOTNULL" && !column.empty() && t.Attno(column) > 0) t.notnull[t.Attno(column) - 1] = true;
}

void CreateTable(Schema &schema, const Json &n) {
    Table t;
    t.schema = n["relation"]["schemaname"].str();
    t.name = n["relation"]["relname"].str();
    for (const Json &elt : n["tableElts"].array) {
        if (elt.node_type() == "ColumnDef") {
            t.columns.push_back(elt.node()["colname"].str());
            t.notnull.push_back(false);
        }
    }
    for (const Json &elt : n["tableElts"].array) {
        if (elt.node_type() == "ColumnDef")
            for (const Json &c : elt.node()["constraints"].array) ApplyConstraint(t, c["Constraint"], elt.node()["colname"].str());
        else if (elt.node_type() == "Constraint")
            ApplyConstraint(t, elt.node(), "");
    }
    schema.tables.push_back(std::move(t));
}

void AlterTable(Schema &schema, const Json &n) {
    int t = schema.Find(n["relation"]["schemaname"].str(), n["relation"]["relname"].str());
    if (t < 0) return;
    for (const Json &cmd : n["cmds"].array) {
        const Json &c = cmd["AlterTableCmd"];
        if (c["subtype"].str() == "AT_AddConstraint") ApplyConstraint(schema.tables[t], c["def"]["Constraint"], "");
    }
}

void CreateIndex(Schema &schema, const Json &n) {
    int t = schema.Find(n["relation"]["schemaname"].str(), n["relation"]["relname"].str());
    if (t < 0) return;
    std::vector<std::string> cols;
    for (const Json &p : n["indexParams"].array) {
        std::string name = p["IndexElem"]["name"].str();
        if (name.empty()) return;  // an expression index
        cols.push_back(name);
    }
    Table &table = schema.tables[t];
    std::vector<int> key;
    for (const std::string &c : cols) key.push_back(table.Attno(c));
    table.indexes.push_back(key);
    bool unique = n["unique"].kind == Json::Kind::kBool && n["unique"].boolean;
    if (unique && n["whereClause"].is_null()) table.uniques.push_back(key);
}

void CreateFunction(Schema &schema, const Json &n) {
    Volatility v = Volatility::kVolatile;  // PostgreSQL's default
    for (const Json &o : n["options"].array) {
        const Json &d = o["DefElem"];
        if (d["defname"].str() != "volatility") continue;
        std::string value = StringValue(d["arg"]);
        v = value == "immutable" ? Volatility::kImmutable : value == "stable" ? Volatility::kStable : Volatility::kVolatile;
    }
    schema.functions[Lower(Names(n["funcname"]).back())] = v;
}

// Registers a TVIEW as a table for the definitions after it (TVIEWs over TVIEWs).
void AddTviewTable(Schema &schema, const TviewDefinition &def, const std::string &schema_name, const std::string &name) {
    Table t;
    t.schema = schema_name;
    t.name = name;
    t.tview = true;
    for (const TargetColumn &c : def.shape.targets) {
        t.columns.push_back(c.name);
        t.notnull.push_back(false);
    }
    planner::PlanResult result = planner::BuildPlan(def.shape);
    if (auto *plan = std::get_if<planner::RefreshPlan>(&result)) {
        std::vector<int> key;
        for (int c : plan->key_columns) {
            key.push_back(c + 1);
            t.notnull[c] = true;
        }
        t.uniques.push_back(key);
        t.indexes.push_back(key);
        t.primary_key = 0;
    }
    schema.tables.push_back(std::move(t));
}

Json Parse(const std::string &sql, std::string *error, int *error_at) {
    PgQueryParseResult r = pg_query_parse(sql.c_str());
    Json tree;
    if (r.error != nullptr) {
        *error = r.error->message;
        *error_at = r.error->cursorpos > 0 ? r.error->cursorpos - 1 : 0;
    } else {
        tree = ParseJson(r.parse_tree);
    }
    pg_query_free_parse_result(r);
    return tree;
}

void Describe(const Schema &schema, TviewDefinition &def, const Json &select) {
    try {
        Builder builder(schema, def.shape);
        builder.TopLevel(select);
        for (int t : builder.TableOf()) def.relation_indexes.push_back(schema.tables[t].indexes);
    } catch (const CheckProblem &p) {
        Location at = LocationOf(def.at.file, def.file_text, def.sql_offset + std::max(p.location, 0));
        def.problems.push_back(at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + p.what());
    }
}

}  // namespace

Location LocationOf(const std::string &file, const std::string &text, int offset) {
    Location at{file, 1, 1};
    for (int i = 0; i < offset && i < static_cast<int>(text.size()); i++) {
        if (text[i] == '\n') {
            at.line++;
            at.column = 1;
        } else {
            at.column++;
        }
    }
    return at;
}

CheckedFiles ReadFiles(const std::vector<Input> &inputs) {
    CheckedFiles out;
    Schema schema;
    for (const Input &in : inputs) {
        std::string error;
        int error_at = 0;
        Json tree = Parse(in.text, &error, &error_at);
        if (!error.empty()) {
            Location at = LocationOf(in.file, in.text, error_at);
            out.errors.push_back(at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + error);
            continue;
        }
        for (const Json &raw : tree["stmts"].array) {
            int offset = raw["stmt_location"].integer(0);
            while (offset < static_cast<int>(in.text.size()) && std::isspace(static_cast<unsigned char>(in.text[offset])))
                offset++;
            std::string type = raw["stmt"].node_type();
            const Json &n = raw["stmt"].node();
            if (type == "CreateStmt") {
                CreateTable(schema, n);
            } else if (type == "AlterTableStmt") {
                AlterTable(schema, n);
            } else if (type == "IndexStmt") {
                CreateIndex(schema, n);
            } else if (type == "ViewStmt") {
                const Json &view = n["view"];
                std::string vs = view["schemaname"].str(), vn = view["relname"].str();
                schema.views[vs.empty() ? vn : vs + "." + vn] = n["query"]["SelectStmt"];
            } else if (type == "CreateFunctionStmt") {
                CreateFunction(schema, n);
            } else if (type == "CreateTableAsStmt" && n["into"]["accessMethod"].str() == "tview_am") {
                TviewDefinition def;
                const Json &rel = n["into"]["rel"];
                std::string sname = rel["schemaname"].str(), rname = rel["relname"].str();
                def.name = sname.empty() ? rname : sname + "." + rname;
                def.at = LocationOf(in.file, in.text, offset);
                def.file_text = in.text;
                def.sql_offset = 0;  // locations inside the query are offsets in the file
                Describe(schema, def, n["query"]["SelectStmt"]);
                AddTviewTable(schema, def, sname, rname);
                out.tviews.push_back(std::move(def));
            } else if (type == "SelectStmt") {
                // SELECT pg_tviews_create('name', 'query')
                const Json &target = n["targetList"].at(0)["ResTarget"]["val"];
                if (target.node_type() != "FuncCall") continue;
                std::vector<std::string> fname = Names(target.node()["funcname"]);
                if (fname.empty() || Lower(fname.back()) != "pg_tviews_create") continue;
                const Json &args = target.node()["args"];
                std::string name = args.at(0)["A_Const"]["sval"]["sval"].str();
                std::string query = args.at(1)["A_Const"]["sval"]["sval"].str();
                TviewDefinition def;
                def.name = name;
                def.at = LocationOf(in.file, in.text, offset);
                def.file_text = in.text;
                def.sql = query;
                def.sql_offset = args.at(1)["A_Const"]["location"].integer(offset) + 1;
                Json inner = Parse(query, &error, &error_at);
                if (!error.empty()) {
                    Location at = LocationOf(in.file, in.text, def.sql_offset + error_at);
                    def.problems.push_back(at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                                           ": " + error);
                    error.clear();
                } else if (inner["stmts"].array.size() != 1 || inner["stmts"].at(0)["stmt"].node_type() != "SelectStmt") {
                    def.problems.push_back("pg_tviews_create() needs exactly one SELECT query");
                } else {
                    Describe(schema, def, inner["stmts"].at(0)["stmt"]["SelectStmt"]);
                }
                std::string sname, rname = name;
                if (auto dot = name.find('.'); dot != std::string::npos) {
                    sname = name.substr(0, dot);
                    rname = name.substr(dot + 1);
                }
                AddTviewTable(schema, def, sname, rname);
                out.tviews.push_back(std::move(def));
            }
        }
    }
    return out;
}

}  // namespace tviews::checker

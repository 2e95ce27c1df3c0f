// query_builder.cpp: see query_builder.hpp.
#include "checker/query_builder.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

namespace tviews::checker {

namespace {

using planner::Construct;
using planner::Expr;
using planner::FromItem;
using planner::FunctionRef;
using planner::QueryShape;
using planner::SubqueryShape;
using planner::TargetColumn;

using Outputs = std::vector<std::pair<std::string, Expr>>;  // a derived table's columns, in order

// A select list column: its name, its expression, and the parse node it came from (nullptr for
// a column of an expanded *).
struct Target {
    std::string name;
    Expr expr;
    const Json *val = nullptr;
};

// One query level's names: the relations of its FROM and what encloses it.
struct Level {
    const Level *parent = nullptr;
    std::vector<std::pair<std::string, int>> aliases;  // alias -> shape relation
    // Views, subqueries and other derived items of FROM, flattened: alias -> their output
    // columns' expressions.
    std::vector<std::pair<std::string, Outputs>> derived;
    std::vector<std::string> order;  // aliases in FROM order (for *)
    std::map<std::string, const Json *> ctes;  // WITH names -> their SelectStmt
};

class Builder {
public:
    Builder(const Schema &schema, QueryShape &shape) : schema_(schema), shape_(shape) {}

    void TopLevel(const Json &select) {
        Level level;
        CheckLevel(select, "", &level);
        if (!select["valuesLists"].is_null()) {
            Unsupported("VALUES in FROM", -1);
            return;
        }
        for (const Json &item : select["fromClause"].array) Flatten(item, &level, shape_.from, shape_.where, first_);
        if (!select["whereClause"].is_null()) Conjuncts(select["whereClause"], &level, shape_.where);
        for (Target &t : Targets(select, &level)) {
            types_.push_back(t.val != nullptr ? ExprType(*t.val, &level) : ColumnType(t.expr));
            TargetColumn col;
            col.name = t.name;
            col.expr = std::move(t.expr);
            shape_.targets.push_back(std::move(col));
        }
        // An aggregate of the TVIEW's own level (not inside a subquery of child rows).
        if (aggregate_seen_) Unsupported("aggregate function", -1);
    }

    const std::vector<int> &TableOf() const { return table_of_; }
    // The types of the select list's columns, as format_type_be prints them ("" when the checker
    // cannot tell: an operator, a function whose overloads return different types, ...).
    const std::vector<std::string> &Types() const { return types_; }

private:
    std::string ColumnType(const Expr &e) const {
        if (e.kind != Expr::Kind::kColumn || e.rel < 0 || e.attno <= 0) return "";
        const Table &t = schema_.tables[table_of_[e.rel]];
        return e.attno <= static_cast<int>(t.types.size()) ? t.types[e.attno - 1] : "";
    }

    // The type of a select list expression, for the common cases (`level` nullptr: columns unknown).
    std::string ExprType(const Json &node, Level *level) {
        std::string type = node.node_type();
        const Json &n = node.node();
        if (type == "ColumnRef") return level != nullptr ? ColumnType(Column(n, level)) : "";
        if (type == "TypeCast") return TypeOfName(n["typeName"]);
        if (type == "A_Const") {
            if (n.has("ival")) return "integer";
            if (n.has("fval")) return "numeric";
            if (n.has("boolval")) return "boolean";
            if (n.has("sval")) return "text";
            return "";
        }
        if (type == "FuncCall") {
            std::vector<std::string> names = Names(n["funcname"]);
            FunctionRef f = Function(names);
            const Builtin *b = f.builtin ? FindBuiltin(f.name) : nullptr;
            return b != nullptr ? b->result : "";
        }
        if (type == "CoalesceExpr") {
            for (const Json &a : n["args"].array)
                if (std::string t = ExprType(a, level); !t.empty()) return t;
            return "";
        }
        if (type == "SubLink" && n["subLinkType"].str() == "EXPR_SUBLINK")
            return ExprType(n["subselect"]["SelectStmt"]["targetList"].at(0)["ResTarget"]["val"], nullptr);
        return "";
    }

    std::string TypeOfName(const Json &type_name) const { return TypeOf(schema_, type_name); }

    void Unsupported(const std::string &name, int location, const std::string &detail = "") {
        shape_.unsupported.push_back(Construct{name, detail, location});
    }

    // Constructs of one query level the engine cannot maintain, in the order the server lists them.
    void CheckLevel(const Json &s, const std::string &where, Level *level) {
        if (s["op"].str("SETOP_NONE") != "SETOP_NONE") {
            std::string op = s["op"].str();
            Unsupported(op == "SETOP_UNION" ? "UNION" : op == "SETOP_INTERSECT" ? "INTERSECT" : "EXCEPT", -1);
            return;
        }
        if (!s["withClause"].is_null()) {
            Unsupported("WITH" + where, -1);
            for (const Json &cte : s["withClause"]["ctes"].array) {
                const Json &c = cte["CommonTableExpr"];
                if (c["ctequery"].node_type() == "SelectStmt") level->ctes[c["ctename"].str()] = &c["ctequery"]["SelectStmt"];
            }
        }
        if (!s["groupClause"].is_null()) Unsupported("GROUP BY" + where, -1);
        if (!s["havingClause"].is_null()) Unsupported("HAVING" + where, s["havingClause"].node()["location"].integer());
        if (!s["windowClause"].is_null()) Unsupported("window function" + where, -1);
        if (!s["distinctClause"].is_null()) {
            const Json &first = s["distinctClause"].at(0);
            bool on = first.kind == Json::Kind::kObject && !first.object.empty();
            Unsupported((on ? "DISTINCT ON" : "DISTINCT") + where, -1);
        }
        if (!s["limitCount"].is_null()) Unsupported((s["limitOption"].str() == "LIMIT_OPTION_WITH_TIES" ? "FETCH FIRST ... WITH TIES" : "LIMIT") + where, -1);
        if (!s["limitOffset"].is_null()) Unsupported("OFFSET" + where, -1);
        if (!s["lockingClause"].is_null()) Unsupported("FOR UPDATE/FOR SHARE" + where, -1);
    }

    // A relation of FROM, with what the planner's rules need to know about it.
    int AddRelation(const Json &rv, Level *level) {
        std::string schema = rv["schemaname"].str(), name = rv["relname"].str();
        int location = rv["location"].integer();
        int t = schema_.Find(schema, name);
        if (t < 0 && (schema == "pg_catalog" || (schema.empty() && name.rfind("pg_", 0) == 0)))
            throw CheckProblem("permission denied: \"" + name + "\" is a system catalog", location, "42501");
        if (t < 0)
            throw CheckProblem("relation \"" + (schema.empty() ? name : schema + "." + name) + "\" does not exist",
                               location, "42P01");
        const Table &table = schema_.tables[t];
        planner::Relation rel;
        rel.oid = static_cast<uint32_t>(t + 1);
        rel.name = schema_.Display(table);
        rel.qualified_name = table.Qualified();
        rel.relname = table.name;
        if (!table.kind_name.empty()) {
            rel.kind = planner::Relation::Kind::kOther;
            rel.kind_name = table.kind_name;
        } else {
            rel.kind = table.tview ? planner::Relation::Kind::kTview : planner::Relation::Kind::kTable;
        }
        rel.attnames = table.columns;
        rel.atttypes = table.types;
        rel.attnotnull = table.notnull;
        rel.unique_keys = table.uniques;
        rel.primary_key = table.primary_key;
        rel.location = location;
        rel.temporary = table.temporary;
        rel.row_security_applies = table.rls && !schema_.Bypasses() && (table.owner != schema_.role || table.rls_forced);
        rel.select_granted = schema_.MaySelect(table.owner, table.select_roles);
        for (const std::string &c : table.columns) {
            auto it = table.column_roles.find(c);
            rel.attselect.push_back(rel.select_granted ||
                                    (it != table.column_roles.end() && (it->second.count(schema_.role) || it->second.count("public"))));
        }
        shape_.relations.push_back(std::move(rel));
        table_of_.push_back(t);
        int index = static_cast<int>(shape_.relations.size()) - 1;
        std::string alias = rv["alias"]["aliasname"].str(name);
        level->aliases.emplace_back(alias, index);
        level->order.push_back(alias);
        return index;
    }

    const Json *Cte(const Json &rv, const Level *level) const {
        if (!rv["schemaname"].str().empty()) return nullptr;
        for (const Level *l = level; l != nullptr; l = l->parent) {
            auto it = l->ctes.find(rv["relname"].str());
            if (it != l->ctes.end()) return it->second;
        }
        return nullptr;
    }

    void NoteView(const View &view) {
        planner::ViewRef ref;
        ref.qualified_name = view.Qualified();
        ref.select_granted = schema_.MaySelect(view.owner, view.select_roles);
        for (const planner::ViewRef &v : shape_.views)
            if (v.qualified_name == ref.qualified_name) return;
        shape_.views.push_back(std::move(ref));
    }

    // Names a derived FROM item the engine does not maintain, so the rest of the query still
    // resolves as on the server: the refusal then names the construct, not a missing column.
    void AddOpaque(const std::string &alias, const std::vector<std::string> &columns, Level *level) {
        Outputs out;
        for (const std::string &c : columns) {
            Expr e;
            e.kind = Expr::Kind::kOther;
            e.construct = alias;
            out.emplace_back(c, e);
        }
        level->derived.emplace_back(alias, std::move(out));
        level->order.push_back(alias);
    }

    static std::vector<std::string> AliasColumns(const Json &alias) {
        std::vector<std::string> out;
        for (const Json &c : alias["colnames"].array) out.push_back(StringValue(c));
        return out;
    }

    // A derived item whose columns are only named: throwaway relations and conditions.
    // `cte`: the WITH name being read, which its own query does not see (not WITH RECURSIVE).
    void FlattenUnused(const Json &select, const std::string &alias, Level *level, const std::string &cte = "") {
        std::vector<FromItem> unused_from;
        std::vector<Expr> unused_where;
        bool unused_first = false;
        FlattenDerived(select, alias, level, unused_from, unused_where, unused_first, cte);
    }

    // Left-deep FROM items, as the server's front end flattens them.
    void Flatten(const Json &item, Level *level, std::vector<FromItem> &from, std::vector<Expr> &where, bool &first) {
        std::string type = item.node_type();
        const Json &n = item.node();
        if (type == "RangeVar" && Cte(n, level) != nullptr) {
            FlattenUnused(*Cte(n, level), n["alias"]["aliasname"].str(n["relname"].str()), level, n["relname"].str());
        } else if (type == "RangeVar" && schema_.FindView(n["schemaname"].str(), n["relname"].str()) != nullptr) {
            const View &view = *schema_.FindView(n["schemaname"].str(), n["relname"].str());
            NoteView(view);
            // A view that reads itself (CREATE OR REPLACE VIEW can make the cycle): the server's
            // rewriter stops with this error.
            if (std::find(expanding_.begin(), expanding_.end(), &view) != expanding_.end())
                throw CheckProblem("infinite recursion detected in rules for relation \"" + view.name + "\"",
                                   n["location"].integer(), "42P17");
            expanding_.push_back(&view);
            FlattenDerived(view.select, n["alias"]["aliasname"].str(n["relname"].str()), level, from, where, first);
            expanding_.pop_back();
        } else if (type == "RangeVar") {
            FromItem f;
            f.rel = AddRelation(n, level);
            f.join = first ? FromItem::Join::kFirst : FromItem::Join::kInner;
            f.location = n["location"].integer();
            from.push_back(std::move(f));
            first = false;
        } else if (type == "RangeTableSample") {
            Unsupported("TABLESAMPLE", -1, "Sampling returns a different set of rows each time.");
            Flatten(n["relation"], level, from, where, first);
        } else if (type == "JoinExpr") {
            std::string jt = n["jointype"].str();
            Flatten(n["larg"], level, from, where, first);
            if (jt == "JOIN_INNER") {
                Flatten(n["rarg"], level, from, where, first);
                if (!n["quals"].is_null()) Conjuncts(n["quals"], level, where);
            } else if (jt == "JOIN_LEFT" && DerivedSelect(n["rarg"], level) != nullptr) {
                // A view or subquery on the right of LEFT JOIN: one relation, its WHERE and the ON
                // condition becoming the edge's conditions.
                const Json &select = *DerivedSelect(n["rarg"], level);
                if (n["rarg"].node_type() == "RangeVar" && Cte(n["rarg"].node(), level) == nullptr)
                    NoteView(*schema_.FindView(n["rarg"].node()["schemaname"].str(), n["rarg"].node()["relname"].str()));
                const Json &inner_from = select["fromClause"];
                if (inner_from.array.size() != 1 || inner_from.at(0).node_type() != "RangeVar" ||
                    DerivedSelect(inner_from.at(0), level) != nullptr || Cte(n["rarg"].node(), level) != nullptr) {
                    Unsupported(inner_from.array.size() == 1 && inner_from.at(0).node_type() == "JoinExpr"
                                    ? "a join on the right side of LEFT JOIN"
                                    : "a view or subquery of several relations on the right side of LEFT JOIN",
                                -1);
                    FlattenUnused(select, DerivedAlias(n["rarg"]), level);
                    return;
                }
                Level inner;
                CheckLevel(select, "", &inner);
                FromItem f;
                f.rel = AddRelation(inner_from.at(0).node(), &inner);
                f.join = FromItem::Join::kLeft;
                f.location = inner_from.at(0).node()["location"].integer();
                if (!select["whereClause"].is_null()) Conjuncts(select["whereClause"], &inner, f.conditions);
                level->derived.emplace_back(DerivedAlias(n["rarg"]), TargetOutputs(select, &inner));
                level->order.push_back(DerivedAlias(n["rarg"]));
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
                std::vector<FromItem> unused_from;
                std::vector<Expr> unused_where;
                bool unused_first = false;
                Flatten(n["rarg"], level, unused_from, unused_where, unused_first);
            }
        } else if (type == "RangeSubselect") {
            if (n["lateral"].kind == Json::Kind::kBool && n["lateral"].boolean) {
                Unsupported("LATERAL", -1);
                return;
            }
            const Json &sub = n["subquery"]["SelectStmt"];
            if (!sub["valuesLists"].is_null()) {
                Unsupported("VALUES in FROM", -1);
                std::vector<std::string> cols = AliasColumns(n["alias"]);
                for (size_t i = cols.size(); i < sub["valuesLists"].at(0)["List"]["items"].array.size(); i++)
                    cols.push_back("column" + std::to_string(i + 1));
                AddOpaque(n["alias"]["aliasname"].str(), cols, level);
                return;
            }
            FlattenDerived(sub, n["alias"]["aliasname"].str(), level, from, where, first);
        } else if (type == "RangeFunction") {
            Unsupported("set-returning function in FROM", -1);
            std::string alias = n["alias"]["aliasname"].str();
            std::vector<std::string> cols = AliasColumns(n["alias"]);
            if (alias.empty()) {
                const Json &call = n["functions"].at(0)["List"]["items"].at(0);
                if (call.node_type() == "FuncCall") alias = Lower(Names(call.node()["funcname"]).back());
            }
            if (cols.empty()) cols.push_back(alias);
            AddOpaque(alias, cols, level);
        } else {
            Unsupported("this kind of FROM item", -1);
        }
    }

    // The SelectStmt behind a FROM item that is a view, a WITH name or a subquery, or nullptr.
    const Json *DerivedSelect(const Json &item, const Level *level) const {
        const Json &n = item.node();
        if (item.node_type() == "RangeSubselect") return &n["subquery"]["SelectStmt"];
        if (item.node_type() == "RangeVar") {
            if (const Json *cte = Cte(n, level)) return cte;
            const View *view = schema_.FindView(n["schemaname"].str(), n["relname"].str());
            return view != nullptr ? &view->select : nullptr;
        }
        return nullptr;
    }

    static std::string DerivedAlias(const Json &item) {
        const Json &n = item.node();
        return n["alias"]["aliasname"].str(n["relname"].str());
    }

    // The columns of `alias` (a relation or a derived item of `level`), in order.
    Outputs Star(const std::string &alias, const Level *level, int location) {
        for (const auto &[a, rel] : level->aliases) {
            if (a != alias) continue;
            Outputs out;
            const Table &t = schema_.tables[table_of_[rel]];
            for (size_t i = 0; i < t.columns.size(); i++) {
                if (t.columns[i].empty()) continue;
                Expr e;
                e.kind = Expr::Kind::kColumn;
                e.rel = rel;
                e.attno = static_cast<int>(i) + 1;
                e.location = location;
                out.emplace_back(t.columns[i], e);
            }
            return out;
        }
        for (const auto &[a, columns] : level->derived)
            if (a == alias) return columns;
        throw CheckProblem("missing FROM-clause entry for table \"" + alias + "\"", location, "42P01");
    }

    // The select list's columns, * and alias.* expanded.
    std::vector<Target> Targets(const Json &select, Level *level) {
        std::vector<Target> out;
        for (const Json &t : select["targetList"].array) {
            const Json &rt = t["ResTarget"];
            const Json &val = rt["val"];
            if (val.node_type() == "ColumnRef" && !val.node()["fields"].array.empty() &&
                val.node()["fields"].array.back().node_type() == "A_Star") {
                const auto &fields = val.node()["fields"].array;
                int location = val.node()["location"].integer();
                std::vector<std::string> aliases = level->order;
                if (fields.size() > 1) aliases = {StringValue(fields[fields.size() - 2])};
                for (const std::string &alias : aliases)
                    for (auto &[name, expr] : Star(alias, level, location)) out.push_back({name, std::move(expr), nullptr});
                continue;
            }
            out.push_back({rt["name"].str(DefaultName(val)), Build(val, level, true), &val});
        }
        return out;
    }

    Outputs TargetOutputs(const Json &select, Level *level) {
        Outputs out;
        for (Target &t : Targets(select, level)) out.emplace_back(t.name, std::move(t.expr));
        return out;
    }

    // A view or subquery of FROM joined inner: its relations join the enclosing FROM, its WHERE
    // the enclosing WHERE, and its output columns become expressions over them (as the server
    // flattens views).
    void FlattenDerived(const Json &select, const std::string &alias, Level *level, std::vector<FromItem> &from,
                        std::vector<Expr> &where, bool &first, const std::string &cte = "") {
        // Views of views and subqueries of subqueries, as deep as a query can sensibly go (a WITH
        // name or view that reaches itself would recurse for ever).
        if (expanding_.size() + static_cast<size_t>(++derived_depth_) > 100)
            throw CheckProblem("stack depth limit exceeded", -1, "54001");
        struct Leave {
            int &depth;
            ~Leave() { depth--; }
        } leave{derived_depth_};
        auto inner = std::make_unique<Level>();
        inner->ctes = level->ctes;
        inner->ctes.erase(cte);
        CheckLevel(select, "", inner.get());
        if (!select["valuesLists"].is_null()) {
            Unsupported("VALUES in FROM", -1);
            AddOpaque(alias, {}, level);
            return;
        }
        for (const Json &item : select["fromClause"].array) Flatten(item, inner.get(), from, where, first);
        if (!select["whereClause"].is_null()) Conjuncts(select["whereClause"], inner.get(), where);
        level->derived.emplace_back(alias, TargetOutputs(select, inner.get()));
        level->order.push_back(alias);
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
            if (fields.size() == 1 && !star) {
                int found = -1, attno = 0, matches = 0;
                const Expr *derived = nullptr;
                for (const auto &[alias, rel] : l->aliases) {
                    int a = schema_.tables[table_of_[rel]].Attno(fields[0]);
                    if (a == 0) continue;
                    matches++;
                    found = rel;
                    attno = a;
                }
                for (const auto &[alias, columns] : l->derived)
                    for (const auto &[name, expr] : columns)
                        if (name == fields[0]) {
                            matches++;
                            derived = &expr;
                        }
                if (matches > 1) throw CheckProblem("column reference \"" + fields[0] + "\" is ambiguous", e.location, "42702");
                if (derived != nullptr) return *derived;
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
                for (const auto &[alias, columns] : l->derived) {
                    if (alias != qualifier || star) continue;
                    for (const auto &[name, expr] : columns)
                        if (name == fields.back()) return expr;
                    throw CheckProblem("column " + qualifier + "." + fields.back() + " does not exist", e.location, "42703");
                }
                for (const auto &[alias, rel] : l->aliases) {
                    if (alias != qualifier) continue;
                    e.rel = rel;
                    e.attno = star ? 0 : schema_.tables[table_of_[rel]].Attno(fields.back());
                    if (!star && e.attno == 0)
                        throw CheckProblem("column " + qualifier + "." + fields.back() + " does not exist", e.location, "42703");
                    return e;
                }
            }
        }
        std::string text;
        for (const std::string &f : fields) text += (text.empty() ? "" : ".") + f;
        if (fields.size() >= 2)
            throw CheckProblem("missing FROM-clause entry for table \"" + fields[fields.size() - 2] + "\"", e.location, "42P01");
        throw CheckProblem("column \"" + text + "\" does not exist", e.location, "42703");
    }

    // A function by name, as PostgreSQL resolves it: pg_catalog first for an unqualified name,
    // then the search path (never pg_temp); a function neither built in nor created by the files
    // (an extension's) is taken as immutable when unqualified, volatile when qualified.
    FunctionRef Function(const std::vector<std::string> &names) {
        FunctionRef f;
        f.name = Lower(names.empty() ? "?" : names.back());
        std::string qualifier = names.size() > 1 ? Lower(names[names.size() - 2]) : "";
        const Builtin *b = FindBuiltin(f.name);
        if (qualifier == "pg_catalog" || (qualifier.empty() && b != nullptr)) {
            if (b != nullptr)
                f.volatility = b->volatility == 'v'   ? Volatility::kVolatile
                               : b->volatility == 's' ? Volatility::kStable
                               : b->volatility == 'i' ? Volatility::kImmutable
                                                      : MixedVolatility(f.name);
            return f;
        }
        std::vector<std::string> order = {qualifier};
        if (qualifier.empty()) order = schema_.SearchOrder();
        for (const std::string &s : order) {
            if (qualifier.empty() && s == "pg_temp") continue;
            auto user = schema_.functions.find(s + "." + f.name);
            if (user == schema_.functions.end()) continue;
            f.builtin = false;
            f.volatility = user->second;
            return f;
        }
        if (!qualifier.empty()) {
            f.builtin = false;
            f.volatility = Volatility::kVolatile;
        }
        return f;
    }

    static bool IsAggregate(const std::string &name) {
        const Builtin *b = FindBuiltin(name);
        return b != nullptr && b->kind == 'a';
    }

    static bool ReturnsSet(const std::string &name) {
        const Builtin *b = FindBuiltin(name);
        return b != nullptr && b->retset;
    }

    static std::string SqlValueFunctionName(const std::string &op) {
        static const std::map<std::string, std::string> names = {
            {"SVFOP_CURRENT_DATE", "current_date"},         {"SVFOP_CURRENT_TIME", "current_time"},
            {"SVFOP_CURRENT_TIME_N", "current_time"},       {"SVFOP_CURRENT_TIMESTAMP", "current_timestamp"},
            {"SVFOP_CURRENT_TIMESTAMP_N", "current_timestamp"}, {"SVFOP_LOCALTIME", "localtime"},
            {"SVFOP_LOCALTIME_N", "localtime"},             {"SVFOP_LOCALTIMESTAMP", "localtimestamp"},
            {"SVFOP_LOCALTIMESTAMP_N", "localtimestamp"},   {"SVFOP_CURRENT_ROLE", "current_role"},
            {"SVFOP_CURRENT_USER", "current_user"},         {"SVFOP_USER", "user"},
            {"SVFOP_SESSION_USER", "session_user"},         {"SVFOP_CURRENT_CATALOG", "current_catalog"},
            {"SVFOP_CURRENT_SCHEMA", "current_schema"},
        };
        auto it = names.find(op);
        return it == names.end() ? "current_setting" : it->second;
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
            if (!n["over"].is_null()) Unsupported("window function" + std::string(subquery_depth_ ? " in a subquery" : ""), -1);
            if (f.builtin && select_list && ReturnsSet(f.name))
                Unsupported("set-returning function in the select list" + std::string(subquery_depth_ ? " in a subquery" : ""), -1);
            bool explicit_args = !n.has("func_variadic");
            if ((f.name == "jsonb_build_object" || f.name == "jsonb_build_array") && f.builtin && explicit_args) {
                e.kind = f.name == "jsonb_build_object" ? Expr::Kind::kJsonbObject : Expr::Kind::kJsonbArray;
                e.functions.push_back(f);
            } else {
                e.kind = Expr::Kind::kOther;
                e.construct = "function " + f.name;
                e.functions.push_back(f);
                if (IsAggregate(f.name) && f.builtin && n["over"].is_null()) {
                    aggregate_seen_ = true;
                    e.aggregate = f.name;
                    e.aggregate_star = n["agg_star"].kind == Json::Kind::kBool && n["agg_star"].boolean;
                    e.aggregate_plain = n["agg_order"].array.empty() && n["agg_filter"].is_null() &&
                                        !(n["agg_distinct"].kind == Json::Kind::kBool && n["agg_distinct"].boolean) &&
                                        explicit_args;
                }
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
                } else if (r.node_type() == "List") {
                    for (const Json &x : r["List"]["items"].array) e.args.push_back(Build(x, level, select_list));
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
                                   : kind == "EXISTS_SUBLINK" ? "an EXISTS subquery"
                                   : kind == "ARRAY_SUBLINK" ? "an ARRAY(subquery)"
                                   : kind == "ALL_SUBLINK"   ? "an ALL subquery"
                                                             : "an IN or ANY subquery";
                Unsupported(what, e.location);
                e.kind = Expr::Kind::kOther;
                e.construct = what;
                return e;
            }
            return Subquery(n["subselect"]["SelectStmt"], level, e.location);
        }
        if (type == "SQLValueFunction") {
            e.kind = Expr::Kind::kOther;
            std::string name = SqlValueFunctionName(n["op"].str());
            e.construct = name;
            e.functions.push_back(FunctionRef{name, Volatility::kStable, true});
            return e;
        }
        if (type == "ParamRef") {
            Unsupported("parameter reference", e.location);
            return e;
        }
        if (type == "CoalesceExpr" && n["args"].array.size() == 2) {
            // COALESCE(x, 0): a zero literal as the only fallback (the planner's counters).
            const Json &fallback = n["args"].array[1];
            e.coalesce_zero = fallback.node_type() == "A_Const" && fallback.node().has("ival") &&
                              fallback.node()["ival"]["ival"].integer(0) == 0;
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
        CheckLevel(select, " in a subquery", &inner);
        subquery_depth_++;
        bool first = true;
        for (const Json &item : select["fromClause"].array) Flatten(item, &inner, sub.from, sub.where, first);
        if (!select["whereClause"].is_null()) Conjuncts(select["whereClause"], &inner, sub.where);
        bool outer_aggregate = aggregate_seen_;
        aggregate_seen_ = false;
        const Json &targets = select["targetList"];
        if (targets.array.size() != 1) throw CheckProblem("subquery must return only one column", location, "42601");
        sub.target = Build(targets.at(0)["ResTarget"]["val"], &inner, true);
        sub.aggregate = aggregate_seen_ && select["groupClause"].is_null();
        aggregate_seen_ = outer_aggregate;
        subquery_depth_--;
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
        if (val.node_type() == "TypeCast") {
            std::string inner = DefaultName(val.node()["arg"]);
            if (inner != "?column?") return inner;
            std::vector<std::string> names = Names(val.node()["typeName"]["names"]);
            return names.empty() ? "?column?" : names.back();
        }
        if (val.node_type() == "SQLValueFunction") return SqlValueFunctionName(val.node()["op"].str());
        if (val.node_type() == "CoalesceExpr") return "coalesce";
        if (val.node_type() == "CaseExpr") return "case";
        return "?column?";
    }

    const Schema &schema_;
    QueryShape &shape_;
    std::vector<int> table_of_;  // shape relation -> schema table
    std::vector<std::unique_ptr<Level>> levels_;  // scopes of flattened views and subqueries
    bool first_ = true;
    bool aggregate_seen_ = false;
    int subquery_depth_ = 0;
    std::vector<std::string> types_;
    std::vector<const View *> expanding_;  // views being flattened, outermost first
    int derived_depth_ = 0;
};

}  // namespace

DescribedQuery DescribeQuery(const Schema &schema, planner::QueryShape &shape, const Json &select) {
    Builder builder(schema, shape);
    builder.TopLevel(select);
    return DescribedQuery{builder.TableOf(), builder.Types()};
}

}  // namespace tviews::checker

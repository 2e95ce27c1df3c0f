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

// An identifier as quote_identifier prints it (keywords aside: the few that name columns).
std::string Quote(const std::string &id) {
    static const std::set<std::string> keywords = {"user", "order", "group", "table", "select", "from", "where",
                                                   "check", "default", "column", "offset", "limit", "end"};
    bool plain = !id.empty() && (std::islower(static_cast<unsigned char>(id[0])) || id[0] == '_');
    for (char c : id) plain &= std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    if (plain && !keywords.count(id)) return id;
    std::string out = "\"";
    for (char c : id) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// A type name as format_type_be prints it (the planner compares join columns' types by it).
std::string TypeDisplay(std::string name) {
    static const std::map<std::string, std::string> names = {
        {"int4", "integer"}, {"int", "integer"}, {"integer", "integer"}, {"serial", "integer"}, {"serial4", "integer"},
        {"int8", "bigint"}, {"bigint", "bigint"}, {"bigserial", "bigint"}, {"serial8", "bigint"},
        {"int2", "smallint"}, {"smallint", "smallint"}, {"smallserial", "smallint"}, {"serial2", "smallint"},
        {"varchar", "character varying"}, {"bpchar", "character"}, {"char", "character"}, {"bool", "boolean"},
        {"float8", "double precision"}, {"float4", "real"}, {"decimal", "numeric"},
        {"timestamptz", "timestamp with time zone"}, {"timestamp", "timestamp without time zone"},
        {"timetz", "time with time zone"}, {"time", "time without time zone"},
    };
    name = Lower(name);
    auto it = names.find(name);
    return it == names.end() ? name : it->second;
}

// PostgreSQL 15's built-in functions (scripts/gen-checker-builtins.sh): volatility i/s/v or m
// when overloads differ, whether one returns a set, kind f/a/w/p or m, the result type when all
// overloads agree on one.
struct Builtin {
    const char *name;
    char volatility;
    bool retset;
    char kind;
    const char *result;
};
const Builtin kBuiltins[] = {
#include "checker/builtins.inc"
};

const Builtin *FindBuiltin(const std::string &name) {
    static const std::map<std::string, const Builtin *> index = [] {
        std::map<std::string, const Builtin *> m;
        for (const Builtin &b : kBuiltins) m[b.name] = &b;
        return m;
    }();
    auto it = index.find(name);
    return it == index.end() ? nullptr : it->second;
}

// For names whose overloads differ in volatility: the overload definitions use in practice.
Volatility MixedVolatility(const std::string &name) {
    static const std::map<std::string, Volatility> table = {
        {"age", Volatility::kStable},          {"date_part", Volatility::kImmutable},
        {"extract", Volatility::kImmutable},   {"date_trunc", Volatility::kImmutable},
        {"to_timestamp", Volatility::kImmutable}, {"timezone", Volatility::kImmutable},
    };
    auto it = table.find(name);
    return it == table.end() ? Volatility::kImmutable : it->second;
}

// A table (or TVIEW, materialized view, foreign table) the files create.
struct Table {
    std::string schema;  // always set: where it was created ("pg_temp" for temporary tables)
    std::string name;
    std::vector<std::string> columns;  // "" = dropped
    std::vector<std::string> types;    // as format_type_be prints them, "" unknown
    std::vector<bool> notnull;
    std::vector<std::vector<int>> uniques;  // attnos
    int primary_key = -1;
    bool tview = false;
    bool temporary = false;
    bool dropped = false;
    std::string kind_name;  // not a plain table: "materialized view", "foreign table"
    std::vector<std::vector<int>> indexes;  // leading columns of every index (for lookups)
    std::string owner;                      // the role that created it ("" = the files' user)
    bool rls = false, rls_forced = false;
    std::set<std::string> select_roles;                          // SELECT on the table
    std::map<std::string, std::set<std::string>> column_roles;  // column -> roles with SELECT on it
    std::vector<int> reads;  // a TVIEW: the tables it reads (DROP ... CASCADE drops it with them)

    int Attno(const std::string &col) const {
        for (size_t i = 0; i < columns.size(); i++)
            if (!col.empty() && columns[i] == col) return static_cast<int>(i) + 1;
        return 0;
    }
    std::string Qualified() const { return Quote(schema) + "." + Quote(name); }
};

struct View {
    std::string schema, name;
    Json select;
    std::string owner;
    std::set<std::string> select_roles;
    bool dropped = false;
    std::string Qualified() const { return Quote(schema) + "." + Quote(name); }
};

class Schema {
public:
    std::vector<Table> tables;
    std::vector<View> views;
    std::map<std::string, Volatility> functions;  // CREATE FUNCTION in the files: schema.name
    std::map<std::string, std::string> domains;   // CREATE DOMAIN: name -> base type
    std::set<std::string> schemas = {"public", "pg_temp"};
    std::vector<std::string> search_path = {"$user", "public"};
    std::string role;                 // SET ROLE; "" = the user running the files (a superuser)
    std::set<std::string> bypass;     // roles created SUPERUSER or BYPASSRLS

    bool Bypasses() const { return role.empty() || bypass.count(role) > 0; }

    // The schemas an unqualified name is looked up in, in order.
    std::vector<std::string> SearchOrder() const {
        std::vector<std::string> out = {"pg_temp"};
        for (const std::string &s : search_path) {
            std::string name = s == "$user" ? role : s;
            if (!name.empty() && schemas.count(name)) out.push_back(name);
        }
        return out;
    }

    // Where CREATE puts an unqualified name ("" when no schema of the path exists).
    std::string CreationSchema() const {
        for (const std::string &s : search_path) {
            std::string name = s == "$user" ? role : s;
            if (!name.empty() && name != "pg_temp" && schemas.count(name)) return name;
        }
        return "";
    }

    // A relation by name: a table index (>= 0), a view (-2 - index) or -1.
    int Lookup(const std::string &schema, const std::string &name) const {
        std::vector<std::string> order = schema.empty() ? SearchOrder() : std::vector<std::string>{schema};
        for (const std::string &s : order) {
            for (size_t i = 0; i < tables.size(); i++)
                if (!tables[i].dropped && tables[i].name == name && tables[i].schema == s) return static_cast<int>(i);
            for (size_t i = 0; i < views.size(); i++)
                if (!views[i].dropped && views[i].name == name && views[i].schema == s) return -2 - static_cast<int>(i);
        }
        return -1;
    }
    int Find(const std::string &schema, const std::string &name) const {
        int r = Lookup(schema, name);
        return r >= 0 ? r : -1;
    }
    const View *FindView(const std::string &schema, const std::string &name) const {
        int r = Lookup(schema, name);
        return r <= -2 ? &views[-2 - r] : nullptr;
    }

    // How the server names a relation in messages: unqualified when the search path finds it.
    std::string Display(const Table &t) const {
        int found = Lookup("", t.name);
        if (found >= 0 && &tables[found] == &t) return Quote(t.name);
        return t.Qualified();
    }

    bool MaySelect(const std::string &owner, const std::set<std::string> &roles) const {
        return Bypasses() || owner == role || roles.count(role) > 0 || roles.count("public") > 0;
    }

    void DropTable(int t, bool cascade) {
        tables[t].dropped = true;
        if (!cascade) return;
        for (size_t i = 0; i < tables.size(); i++)
            if (!tables[i].dropped && std::find(tables[i].reads.begin(), tables[i].reads.end(), t) != tables[i].reads.end())
                DropTable(static_cast<int>(i), true);
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
    std::string state;  // the server's SQLSTATE for the same problem, "" when only the checker has it
    CheckProblem(const std::string &what, int loc, std::string sqlstate = "")
        : std::runtime_error(what), location(loc), state(std::move(sqlstate)) {}
};

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

    std::string TypeOfName(const Json &type_name) const;

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
    void FlattenUnused(const Json &select, const std::string &alias, Level *level) {
        std::vector<FromItem> unused_from;
        std::vector<Expr> unused_where;
        bool unused_first = false;
        FlattenDerived(select, alias, level, unused_from, unused_where, unused_first);
    }

    // Left-deep FROM items, as the server's front end flattens them.
    void Flatten(const Json &item, Level *level, std::vector<FromItem> &from, std::vector<Expr> &where, bool &first) {
        std::string type = item.node_type();
        const Json &n = item.node();
        if (type == "RangeVar" && Cte(n, level) != nullptr) {
            FlattenUnused(*Cte(n, level), n["alias"]["aliasname"].str(n["relname"].str()), level);
        } else if (type == "RangeVar" && schema_.FindView(n["schemaname"].str(), n["relname"].str()) != nullptr) {
            const View &view = *schema_.FindView(n["schemaname"].str(), n["relname"].str());
            NoteView(view);
            FlattenDerived(view.select, n["alias"]["aliasname"].str(n["relname"].str()), level, from, where, first);
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
                        std::vector<Expr> &where, bool &first) {
        auto inner = std::make_unique<Level>();
        inner->ctes = level->ctes;
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
                if (IsAggregate(f.name) && f.builtin && n["over"].is_null()) aggregate_seen_ = true;
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
};

/* ------------------------------------------------------------------------
 * Schema statements: the model of the database the files build.
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

std::string TypeOf(const Schema &schema, const Json &type_name) {
    // (a TypeName field holds the node itself; a list element wraps it as {"TypeName": ...})
    const Json &tn = type_name.has("TypeName") ? type_name["TypeName"] : type_name;
    std::vector<std::string> names = Names(tn["names"]);
    if (names.empty()) return "";
    std::string name = TypeDisplay(names.back());
    auto domain = schema.domains.find(names.back());
    if (domain != schema.domains.end()) name = domain->second;
    if (!tn["arrayBounds"].is_null()) name += "[]";
    return name;
}

std::string Builder::TypeOfName(const Json &type_name) const { return TypeOf(schema_, type_name); }

void AddColumn(const Schema &schema, Table &t, const Json &def) {
    t.columns.push_back(def["colname"].str());
    t.types.push_back(TypeOf(schema, def["typeName"]));
    t.notnull.push_back(false);
    for (const Json &c : def["constraints"].array) ApplyConstraint(t, c["Constraint"], def["colname"].str());
}

// The schema a CREATE puts `rel` in: its own, pg_temp, or the first of the search path.
std::string TargetSchema(const Schema &schema, const Json &rel) {
    if (rel["relpersistence"].str() == "t") return "pg_temp";
    std::string s = rel["schemaname"].str();
    return s.empty() ? schema.CreationSchema() : s;
}

Table NewTable(const Schema &schema, const Json &rel) {
    Table t;
    t.schema = TargetSchema(schema, rel);
    t.name = rel["relname"].str();
    t.temporary = t.schema == "pg_temp";
    t.owner = schema.role;
    return t;
}

void CreateTable(Schema &schema, const Json &n, const std::string &kind_name = "") {
    if (n["if_not_exists"].kind == Json::Kind::kBool && n["if_not_exists"].boolean &&
        schema.Lookup(TargetSchema(schema, n["relation"]), n["relation"]["relname"].str()) != -1)
        return;
    Table t = NewTable(schema, n["relation"]);
    t.kind_name = kind_name;
    for (const Json &elt : n["tableElts"].array)
        if (elt.node_type() == "ColumnDef") {
            t.columns.push_back(elt.node()["colname"].str());
            t.types.push_back(TypeOf(schema, elt.node()["typeName"]));
            t.notnull.push_back(false);
        }
    for (const Json &elt : n["tableElts"].array) {
        if (elt.node_type() == "ColumnDef")
            for (const Json &c : elt.node()["constraints"].array) ApplyConstraint(t, c["Constraint"], elt.node()["colname"].str());
        else if (elt.node_type() == "Constraint")
            ApplyConstraint(t, elt.node(), "");
    }
    schema.tables.push_back(std::move(t));
}

// The column names of a SELECT (CREATE TABLE AS, CREATE MATERIALIZED VIEW): its explicit names,
// and * of the relations it reads.
std::vector<std::string> SelectColumns(const Schema &schema, const Json &select) {
    std::vector<std::string> out;
    for (const Json &t : select["targetList"].array) {
        const Json &rt = t["ResTarget"];
        const Json &val = rt["val"];
        if (val.node_type() == "ColumnRef" && !val.node()["fields"].array.empty() &&
            val.node()["fields"].array.back().node_type() == "A_Star") {
            for (const Json &item : select["fromClause"].array) {
                if (item.node_type() != "RangeVar") continue;
                int r = schema.Find(item.node()["schemaname"].str(), item.node()["relname"].str());
                if (r >= 0)
                    for (const std::string &c : schema.tables[r].columns)
                        if (!c.empty()) out.push_back(c);
            }
            continue;
        }
        std::string name = rt["name"].str();
        if (name.empty() && val.node_type() == "ColumnRef") name = StringValue(val.node()["fields"].array.back());
        if (name.empty() && val.node_type() == "FuncCall") name = Lower(Names(val.node()["funcname"]).back());
        out.push_back(name.empty() ? "?column?" : name);
    }
    return out;
}

void CreateTableAs(Schema &schema, const Json &n) {
    const Json &into = n["into"];
    if (n["if_not_exists"].kind == Json::Kind::kBool && n["if_not_exists"].boolean &&
        schema.Lookup(TargetSchema(schema, into["rel"]), into["rel"]["relname"].str()) != -1)
        return;
    Table t = NewTable(schema, into["rel"]);
    if (n["objtype"].str() == "OBJECT_MATVIEW") t.kind_name = "materialized view";
    std::vector<std::string> names = Names(into["colNames"]);
    std::vector<std::string> cols =
        n["query"].node_type() == "SelectStmt" ? SelectColumns(schema, n["query"]["SelectStmt"]) : std::vector<std::string>{};
    for (size_t i = 0; i < cols.size(); i++) {
        t.columns.push_back(i < names.size() ? names[i] : cols[i]);
        t.types.push_back("");
        t.notnull.push_back(false);
    }
    schema.tables.push_back(std::move(t));
}

int TableOf(Schema &schema, const Json &rel) {
    return schema.Find(rel["schemaname"].str(), rel["relname"].str());
}

std::string RoleName(const Json &spec) {
    const Json &r = spec["RoleSpec"];
    return r["roletype"].str() == "ROLESPEC_PUBLIC" ? "public" : r["rolename"].str();
}

void AlterTable(Schema &schema, const Json &n) {
    int t = TableOf(schema, n["relation"]);
    if (t < 0) {
        // ALTER VIEW ... OWNER TO
        const View *view = schema.FindView(n["relation"]["schemaname"].str(), n["relation"]["relname"].str());
        if (view == nullptr) return;
        View &v = schema.views[view - schema.views.data()];
        for (const Json &cmd : n["cmds"].array)
            if (cmd["AlterTableCmd"]["subtype"].str() == "AT_ChangeOwner") v.owner = RoleName(cmd["AlterTableCmd"]["newowner"]);
        return;
    }
    Table &table = schema.tables[t];
    for (const Json &cmd : n["cmds"].array) {
        const Json &c = cmd["AlterTableCmd"];
        std::string sub = c["subtype"].str();
        int attno = table.Attno(c["name"].str());
        if (sub == "AT_AddConstraint") ApplyConstraint(table, c["def"]["Constraint"], "");
        else if (sub == "AT_AddColumn") AddColumn(schema, table, c["def"]["ColumnDef"]);
        else if (sub == "AT_DropColumn" && attno > 0) {
            table.columns[attno - 1] = "";
            auto uses = [&](const std::vector<int> &key) { return std::find(key.begin(), key.end(), attno) != key.end(); };
            for (size_t k = 0; k < table.uniques.size(); k++)
                if (uses(table.uniques[k])) {
                    table.uniques[k].clear();
                    if (table.primary_key == static_cast<int>(k)) table.primary_key = -1;
                }
            table.indexes.erase(std::remove_if(table.indexes.begin(), table.indexes.end(), uses), table.indexes.end());
        } else if (sub == "AT_AlterColumnType" && attno > 0) {
            table.types[attno - 1] = TypeOf(schema, c["def"]["ColumnDef"]["typeName"]);
        } else if (sub == "AT_SetNotNull" && attno > 0) {
            table.notnull[attno - 1] = true;
        } else if (sub == "AT_DropNotNull" && attno > 0) {
            table.notnull[attno - 1] = false;
        } else if (sub == "AT_EnableRowSecurity") {
            table.rls = true;
        } else if (sub == "AT_DisableRowSecurity") {
            table.rls = false;
        } else if (sub == "AT_ForceRowSecurity") {
            table.rls_forced = true;
        } else if (sub == "AT_NoForceRowSecurity") {
            table.rls_forced = false;
        } else if (sub == "AT_ChangeOwner") {
            table.owner = RoleName(c["newowner"]);
        }
    }
    // Keys emptied by a dropped column are gone.
    for (size_t k = 0; k < table.uniques.size(); k++)
        if (table.uniques[k].empty()) {
            if (table.primary_key > static_cast<int>(k)) table.primary_key--;
            table.uniques.erase(table.uniques.begin() + static_cast<long>(k));
            k--;
        }
}

void Rename(Schema &schema, const Json &n) {
    std::string type = n["renameType"].str();
    std::string newname = n["newname"].str();
    if (type == "OBJECT_SCHEMA") {
        std::string old = n["subname"].str();
        if (!schema.schemas.erase(old)) return;
        schema.schemas.insert(newname);
        for (Table &t : schema.tables)
            if (t.schema == old) t.schema = newname;
        for (View &v : schema.views)
            if (v.schema == old) v.schema = newname;
        return;
    }
    int r = schema.Lookup(n["relation"]["schemaname"].str(), n["relation"]["relname"].str());
    if (r == -1) return;
    if (type == "OBJECT_COLUMN" && r >= 0) {
        int attno = schema.tables[r].Attno(n["subname"].str());
        if (attno > 0) schema.tables[r].columns[attno - 1] = newname;
    } else if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" || type == "OBJECT_FOREIGN_TABLE") {
        if (r >= 0) schema.tables[r].name = newname;
        else schema.views[-2 - r].name = newname;
    }
}

void Drop(Schema &schema, const Json &n) {
    std::string type = n["removeType"].str();
    bool cascade = n["behavior"].str() == "DROP_CASCADE";
    for (const Json &object : n["objects"].array) {
        if (type == "OBJECT_SCHEMA") {
            std::string name = StringValue(object);
            schema.schemas.erase(name);
            for (size_t i = 0; i < schema.tables.size(); i++)
                if (!schema.tables[i].dropped && schema.tables[i].schema == name) schema.DropTable(static_cast<int>(i), true);
            for (View &v : schema.views)
                if (v.schema == name) v.dropped = true;
        } else if (type == "OBJECT_EXTENSION") {
            if (StringValue(object) != "pg_tviews") continue;
            for (size_t i = 0; i < schema.tables.size(); i++)
                if (schema.tables[i].tview) schema.DropTable(static_cast<int>(i), true);
        } else if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" ||
                   type == "OBJECT_FOREIGN_TABLE") {
            std::vector<std::string> names = Names(object["List"]["items"]);
            if (names.empty()) continue;
            int r = schema.Lookup(names.size() > 1 ? names[names.size() - 2] : "", names.back());
            if (r >= 0) schema.DropTable(r, cascade);
            else if (r <= -2) schema.views[-2 - r].dropped = true;
        } else if (type == "OBJECT_FUNCTION") {
            std::vector<std::string> names = Names(object["ObjectWithArgs"]["objname"]);
            if (names.empty()) continue;
            if (names.size() > 1) {
                schema.functions.erase(Lower(names[names.size() - 2]) + "." + Lower(names.back()));
            } else {
                for (const std::string &s : schema.SearchOrder())
                    if (schema.functions.erase(s + "." + Lower(names.back()))) break;
            }
        }
    }
}

void Grant(Schema &schema, const Json &n) {
    if (n["targtype"].str() != "ACL_TARGET_OBJECT" || n["objtype"].str() != "OBJECT_TABLE") return;
    bool grant = n["is_grant"].kind == Json::Kind::kBool && n["is_grant"].boolean;
    std::vector<std::string> roles;
    for (const Json &g : n["grantees"].array) roles.push_back(RoleName(g));
    bool all = n["privileges"].is_null();
    std::vector<std::string> columns;
    bool select = all;
    for (const Json &p : n["privileges"].array) {
        const Json &priv = p["AccessPriv"];
        if (!priv.has("priv_name") || priv["priv_name"].str() == "select") {
            select = true;
            for (const std::string &c : Names(priv["cols"])) columns.push_back(c);
        }
    }
    if (!select) return;
    for (const Json &object : n["objects"].array) {
        const Json &rv = object["RangeVar"];
        int r = schema.Lookup(rv["schemaname"].str(), rv["relname"].str());
        if (r == -1) continue;
        for (const std::string &role : roles) {
            if (r <= -2) {
                std::set<std::string> &to = schema.views[-2 - r].select_roles;
                grant ? (void)to.insert(role) : (void)to.erase(role);
            } else if (columns.empty()) {
                std::set<std::string> &to = schema.tables[r].select_roles;
                grant ? (void)to.insert(role) : (void)to.erase(role);
            } else {
                for (const std::string &c : columns) {
                    std::set<std::string> &to = schema.tables[r].column_roles[c];
                    grant ? (void)to.insert(role) : (void)to.erase(role);
                }
            }
        }
    }
}

void CreateIndex(Schema &schema, const Json &n) {
    int t = TableOf(schema, n["relation"]);
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
    std::vector<std::string> names = Names(n["funcname"]);
    std::string where = names.size() > 1 ? Lower(names[names.size() - 2]) : schema.CreationSchema();
    schema.functions[where + "." + Lower(names.back())] = v;
}

void CreateRole(Schema &schema, const Json &n) {
    for (const Json &o : n["options"].array) {
        const Json &d = o["DefElem"];
        bool on = d["arg"]["Boolean"]["boolval"].kind == Json::Kind::kBool ? d["arg"]["Boolean"]["boolval"].boolean
                                                                           : d["arg"]["Integer"]["ival"].integer(0) != 0;
        if ((d["defname"].str() == "superuser" || d["defname"].str() == "bypassrls") && on) schema.bypass.insert(n["role"].str());
    }
}

void SetVariable(Schema &schema, const Json &n) {
    std::string kind = n["kind"].str(), name = n["name"].str();
    if (kind == "VAR_RESET_ALL") {
        schema.search_path = {"$user", "public"};
        schema.role.clear();
        return;
    }
    bool reset = kind == "VAR_RESET" || kind == "VAR_SET_DEFAULT";
    std::vector<std::string> values;
    for (const Json &a : n["args"].array) values.push_back(a["A_Const"]["sval"]["sval"].str());
    if (name == "search_path") {
        schema.search_path = reset ? std::vector<std::string>{"$user", "public"} : values;
    } else if (name == "role" || name == "session_authorization") {
        schema.role = reset || values.empty() || values[0] == "none" ? "" : values[0];
    }
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

void Problem(TviewDefinition &def, int offset, const std::string &state, const std::string &message) {
    Location at = LocationOf(def.at.file, def.file_text, offset);
    def.problems.push_back(at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + message);
    if (def.problems.size() == 1) {
        def.problem_state = state;
        def.problem_message = message;
        def.problem_at = at;
    }
}

void Describe(const Schema &schema, TviewDefinition &def, const Json &select, std::vector<int> *reads) {
    try {
        Builder builder(schema, def.shape);
        builder.TopLevel(select);
        def.column_types = builder.Types();
        for (int t : builder.TableOf()) {
            def.relation_indexes.push_back(schema.tables[t].indexes);
            reads->push_back(t);
        }
    } catch (const CheckProblem &p) {
        Problem(def, def.sql_offset + std::max(p.location, 0), p.state, p.what());
    }
}

// Registers a TVIEW as a table for the statements after it (TVIEWs over TVIEWs, DROP, names
// taken), once the planner accepts it as the server would.
void AddTview(Schema &schema, const TviewDefinition &def, const std::string &schema_name, const std::string &name,
              bool temporary, const std::vector<int> &reads) {
    if (!def.problems.empty()) return;
    planner::PlanResult result = planner::PlanForCreate(def.shape);
    auto *plan = std::get_if<planner::RefreshPlan>(&result);
    if (plan == nullptr) return;
    Table t;
    t.schema = schema_name;
    t.name = name;
    t.tview = true;
    t.temporary = temporary;
    t.owner = schema.role;
    t.reads = reads;
    for (size_t i = 0; i < def.shape.targets.size(); i++) {
        t.columns.push_back(def.shape.targets[i].name);
        t.types.push_back(i < def.column_types.size() ? def.column_types[i] : "");
        t.notnull.push_back(false);
    }
    std::vector<int> key;
    for (int c : plan->key_columns) {
        key.push_back(c + 1);
        t.notnull[c] = true;
    }
    t.uniques.push_back(key);
    t.indexes.push_back(key);
    t.primary_key = 0;
    schema.tables.push_back(std::move(t));
}

// Splits a pg_tviews_create() name as stringToQualifiedNameList does; false with the server's
// error when it is not a valid name.
bool SplitName(const std::string &text, std::vector<std::string> *parts, std::string *state, std::string *message) {
    std::string cur;
    bool quoted = false, any = false;
    for (size_t i = 0; i <= text.size(); i++) {
        char c = i < text.size() ? text[i] : '.';
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cur += '"';
                i++;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            any = true;
        } else if (c == '.') {
            if (cur.empty() && !any) {
                *state = "42602";
                *message = "invalid name syntax";
                return false;
            }
            parts->push_back(cur);
            cur.clear();
            any = false;
        } else if (!std::isspace(static_cast<unsigned char>(c))) {
            cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            any = true;
        }
    }
    if (quoted || parts->empty()) {  // an unterminated quoted identifier
        *state = "42602";
        *message = "invalid name syntax";
        return false;
    }
    if (parts->size() > 3) {
        *state = "42601";
        *message = "improper relation name (too many dotted names): " + text;
        return false;
    }
    return true;
}

// A constant string argument (possibly cast), or nullptr for NULL; `ok` false when not a constant.
const Json *StringArg(const Json &arg, bool *ok, bool *is_null) {
    const Json *a = &arg;
    while (a->node_type() == "TypeCast") a = &a->node()["arg"];
    *ok = a->node_type() == "A_Const";
    *is_null = *ok && a->node()["isnull"].kind == Json::Kind::kBool && a->node()["isnull"].boolean;
    return *ok && !*is_null ? &a->node()["sval"]["sval"] : nullptr;
}

struct Transaction {
    std::string savepoint;  // "" for the transaction itself
    Schema before;
};

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

namespace {

// A TVIEW definition: `name` as written, its query, where the name goes. Checks what the
// server checks before the planner (the name, the schema) and registers an accepted TVIEW.
void Define(Schema &schema, TviewDefinition &def, int offset, std::string sname, const std::string &rname,
            bool temporary, bool if_not_exists, const Json *select, std::vector<TviewDefinition> &out) {
    if (temporary) sname = "pg_temp";
    def.shape.temporary = temporary;
    if (sname.empty()) sname = schema.CreationSchema();
    def.qualified_name = Quote(sname) + "." + Quote(rname);
    if (sname.empty()) {
        Problem(def, offset, "3F000", "no schema has been selected to create in");
    } else if (!schema.schemas.count(sname)) {
        Problem(def, offset, "3F000", "schema \"" + sname + "\" does not exist");
    } else if (schema.Lookup(sname, rname) != -1) {
        if (if_not_exists) {
            def.skipped = true;
            def.problem_message = "relation \"" + rname + "\" already exists, skipping";
        } else {
            Problem(def, offset, "42P07", "relation \"" + rname + "\" already exists");
        }
    }
    std::vector<int> reads;
    if (def.problems.empty() && !def.skipped && select != nullptr) {
        Describe(schema, def, *select, &reads);
        AddTview(schema, def, sname, rname, temporary, reads);
    }
    out.push_back(std::move(def));
}

// pg_tviews_alter(tview, query): the new query must keep the TVIEW's columns (names and types,
// as far as the checker knows them) and key, and pass the planner, as on the server.
void Alter(Schema &schema, TviewDefinition &def, int offset, const std::string &tview_name, const Json &select,
           std::vector<TviewDefinition> &out) {
    def.alter = true;
    std::vector<std::string> parts;
    std::string state, message;
    int t = -1;
    if (!SplitName(tview_name, &parts, &state, &message)) {
        Problem(def, offset, state, message);
    } else if ((t = schema.Lookup(parts.size() >= 2 ? parts[parts.size() - 2] : "", parts.back())) == -1) {
        Problem(def, offset, "42P01", "relation \"" + tview_name + "\" does not exist");
    } else if (t <= -2 || !schema.tables[t].tview) {
        Problem(def, offset, "42809", "\"" + parts.back() + "\" is not a TVIEW");
    } else if (!schema.Bypasses() && schema.tables[t].owner != schema.role) {
        Problem(def, offset, "42501", "must be owner of TVIEW " + parts.back());
    }
    if (!def.problems.empty()) {
        out.push_back(std::move(def));
        return;
    }
    std::vector<int> reads;
    Describe(schema, def, select, &reads);
    Table &tview = schema.tables[t];
    def.qualified_name = tview.Qualified();
    def.shape.temporary = tview.temporary;
    if (def.problems.empty()) {
        std::vector<int> live;
        for (size_t i = 0; i < tview.columns.size(); i++)
            if (!tview.columns[i].empty()) live.push_back(static_cast<int>(i));
        std::string why;
        if (live.size() != def.shape.targets.size()) {
            why = "The TVIEW has " + std::to_string(live.size()) + " columns, the new definition " +
                  std::to_string(def.shape.targets.size()) + ".";
        } else {
            for (size_t i = 0; i < live.size() && why.empty(); i++) {
                const std::string &name = tview.columns[live[i]], &type = tview.types[live[i]];
                const std::string &new_name = def.shape.targets[i].name, &new_type = def.column_types[i];
                if (name != new_name || (!type.empty() && !new_type.empty() && type != new_type))
                    why = "Column " + std::to_string(live[i] + 1) + " is " + Quote(name) + " " + type +
                          " in the TVIEW and " + Quote(new_name) + " " + new_type + " in the new definition.";
            }
        }
        if (!why.empty()) {
            Problem(def, offset, "42P16", "the new definition of TVIEW " + tview.name + " has other columns");
            def.problems.back() += " (" + why + ")";
            def.problem_detail = why;
        }
    }
    if (def.problems.empty()) {
        planner::PlanResult result = planner::PlanForCreate(def.shape);
        if (auto *plan = std::get_if<planner::RefreshPlan>(&result)) {
            std::vector<int> key;
            for (int c : plan->key_columns) key.push_back(c + 1);
            if (tview.primary_key < 0 || key != tview.uniques[tview.primary_key])
                Problem(def, offset, "42P16", "the new definition of TVIEW " + tview.name + " has another key");
            else
                tview.reads = reads;
        }
    }
    out.push_back(std::move(def));
}

}  // namespace

CheckedFiles ReadFiles(const std::vector<Input> &inputs) {
    CheckedFiles out;
    Schema schema;
    std::vector<Transaction> transactions;
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
            } else if (type == "CreateForeignTableStmt") {
                CreateTable(schema, n["base"], "foreign table");
            } else if (type == "AlterTableStmt") {
                AlterTable(schema, n);
            } else if (type == "RenameStmt") {
                Rename(schema, n);
            } else if (type == "DropStmt") {
                Drop(schema, n);
            } else if (type == "IndexStmt") {
                CreateIndex(schema, n);
            } else if (type == "GrantStmt") {
                Grant(schema, n);
            } else if (type == "CreateRoleStmt") {
                CreateRole(schema, n);
            } else if (type == "VariableSetStmt") {
                SetVariable(schema, n);
            } else if (type == "CreateSchemaStmt") {
                std::string name = n["schemaname"].str(RoleName(n["authrole"]));
                if (!name.empty()) schema.schemas.insert(name);
            } else if (type == "CreateDomainStmt") {
                std::vector<std::string> names = Names(n["domainname"]);
                if (!names.empty()) schema.domains[names.back()] = TypeOf(schema, n["typeName"]);
            } else if (type == "ViewStmt") {
                const Json &view = n["view"];
                View v;
                v.schema = TargetSchema(schema, view);
                v.name = view["relname"].str();
                v.select = n["query"]["SelectStmt"];
                v.owner = schema.role;
                int existing = schema.Lookup(v.schema, v.name);
                if (existing <= -2) schema.views[-2 - existing] = std::move(v);  // CREATE OR REPLACE VIEW
                else if (existing == -1) schema.views.push_back(std::move(v));
            } else if (type == "CreateFunctionStmt") {
                CreateFunction(schema, n);
            } else if (type == "TransactionStmt") {
                std::string kind = n["kind"].str();
                if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
                    transactions.push_back({"", schema});
                } else if (kind == "TRANS_STMT_SAVEPOINT") {
                    transactions.push_back({n["savepoint_name"].str(), schema});
                } else if (kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_PREPARE") {
                    transactions.clear();
                } else if (kind == "TRANS_STMT_ROLLBACK" && !transactions.empty()) {
                    schema = transactions.front().before;
                    transactions.clear();
                } else if (kind == "TRANS_STMT_ROLLBACK_TO" || kind == "TRANS_STMT_RELEASE") {
                    std::string name = n["savepoint_name"].str();
                    for (size_t i = transactions.size(); i-- > 0;) {
                        if (transactions[i].savepoint != name) continue;
                        if (kind == "TRANS_STMT_ROLLBACK_TO") {
                            schema = transactions[i].before;
                            transactions.resize(i + 1);
                        } else {
                            transactions.resize(i);
                        }
                        break;
                    }
                }
            } else if (type == "CreateTableAsStmt" && n["into"]["accessMethod"].str() == "tview_am") {
                TviewDefinition def;
                const Json &rel = n["into"]["rel"];
                std::string sname = rel["schemaname"].str(), rname = rel["relname"].str();
                def.name = sname.empty() ? rname : sname + "." + rname;
                def.at = LocationOf(in.file, in.text, offset);
                def.file_text = in.text;
                def.sql_offset = 0;  // locations inside the query are offsets in the file
                bool temporary = rel["relpersistence"].str() == "t";
                bool if_not_exists = n["if_not_exists"].kind == Json::Kind::kBool && n["if_not_exists"].boolean;
                if (n["objtype"].str() == "OBJECT_MATVIEW") {
                    Problem(def, offset, "0A000", "a materialized view cannot be stored by tview_am");
                } else if (n["query"].node_type() != "SelectStmt") {
                    Problem(def, offset, "0A000", "a TVIEW must be defined by a SELECT query");
                }
                if (!def.problems.empty()) {
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                Define(schema, def, offset, sname, rname, temporary, if_not_exists, &n["query"]["SelectStmt"], out.tviews);
            } else if (type == "CreateTableAsStmt") {
                CreateTableAs(schema, n);
            } else if (type == "SelectStmt") {
                // SELECT pg_tviews_create('name', 'query') or pg_tviews_alter('tview', 'query')
                const Json &target = n["targetList"].at(0)["ResTarget"]["val"];
                if (target.node_type() != "FuncCall") continue;
                std::vector<std::string> fname = Names(target.node()["funcname"]);
                std::string function = fname.empty() ? "" : Lower(fname.back());
                if (function != "pg_tviews_create" && function != "pg_tviews_alter") continue;
                bool alter = function == "pg_tviews_alter";
                const Json &args = target.node()["args"];
                TviewDefinition def;
                def.at = LocationOf(in.file, in.text, offset);
                def.file_text = in.text;
                bool name_ok = false, name_null = false, query_ok = false, query_null = false;
                const Json *name = StringArg(args.at(0), &name_ok, &name_null);
                const Json *query = StringArg(args.at(1), &query_ok, &query_null);
                def.name = name != nullptr ? name->str() : "";
                if (!name_ok || !query_ok || args.array.size() != 2) {
                    def.problems.push_back(function + "() with arguments that are not constants");
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                if (name_null || query_null) {
                    Problem(def, offset, "22004", alter ? "pg_tviews_alter() needs a TVIEW and a query"
                                                        : "pg_tviews_create() needs a name and a query");
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                if (alter) {
                    def.sql = query->str();
                    def.sql_offset = args.at(1)["A_Const"]["location"].integer(offset) + 1;
                    Json inner = Parse(def.sql, &error, &error_at);
                    if (!error.empty()) {
                        Problem(def, def.sql_offset + error_at, "42601", error);
                        error.clear();
                    } else if (inner["stmts"].array.size() != 1 || inner["stmts"].at(0)["stmt"].node_type() != "SelectStmt") {
                        Problem(def, def.sql_offset, "22023", "a TVIEW definition must be exactly one SELECT");
                    }
                    if (!def.problems.empty()) {
                        out.tviews.push_back(std::move(def));
                        continue;
                    }
                    Alter(schema, def, offset, def.name, inner["stmts"].at(0)["stmt"]["SelectStmt"], out.tviews);
                    continue;
                }
                std::vector<std::string> parts;
                std::string state, message;
                if (!SplitName(def.name, &parts, &state, &message)) {
                    Problem(def, offset, state, message);
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                def.sql = query->str();
                def.sql_offset = args.at(1)["A_Const"]["location"].integer(offset) + 1;
                Json inner = Parse(def.sql, &error, &error_at);
                if (!error.empty()) {
                    Problem(def, def.sql_offset + error_at, "42601", error);
                    error.clear();
                } else if (inner["stmts"].array.size() != 1 || inner["stmts"].at(0)["stmt"].node_type() != "SelectStmt") {
                    Problem(def, def.sql_offset, "22023", "pg_tviews_create() needs exactly one SELECT query");
                }
                if (!def.problems.empty()) {
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                std::string sname = parts.size() >= 2 ? parts[parts.size() - 2] : "";
                Define(schema, def, offset, sname, parts.back(), false, false, &inner["stmts"].at(0)["stmt"]["SelectStmt"],
                       out.tviews);
            }
        }
    }
    return out;
}

}  // namespace tviews::checker

// model.hpp: pg_tviews_check's model of the database a migration builds.
//
// Regime: pure C++ (no server, no libpg_query here: statements arrive as libpg_query's JSON parse
// trees). The server answers "what is this name, its columns, keys, types, owner, grants?" from
// its catalog; the checker has only the files, so it replays their statements in order and keeps
// what the TVIEW rules need: schemas and the search path, tables (with columns, types, keys, NOT
// NULLs, indexes, owner, grants, row-level security), views, materialized, foreign and temporary
// tables, TVIEWs, functions with their volatility, roles, and the state to restore when a
// transaction or savepoint rolls back. PostgreSQL 15's built-in functions come from a table
// generated from its catalog (builtins.inc, scripts/gen-checker-builtins.sh).
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "checker/json.hpp"
#include "planner/shape.hpp"

namespace tviews::checker {

using Volatility = planner::Volatility;

std::string Lower(std::string s);
// An identifier as quote_identifier prints it.
std::string Quote(const std::string &id);
// A type name as format_type_be prints it ("int4" -> "integer").
std::string TypeDisplay(std::string name);

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


const Builtin *FindBuiltin(const std::string &name);
// For names whose overloads differ in volatility: the overload definitions use in practice.
Volatility MixedVolatility(const std::string &name);

std::string StringValue(const Json &node);                 // {"String": {"sval": ...}}
std::vector<std::string> Names(const Json &list);          // a list of String nodes
// The type a TypeName node names, as format_type_be prints it ("" when unknown).
std::string TypeOf(const Schema &schema, const Json &type_name);

// The schema and what restores it: statements apply in order, transactions roll back.
class Database {
public:
    Schema schema;
    // Applies a statement that changes the schema (CREATE, ALTER, DROP, GRANT, SET, BEGIN, ...;
    // not a TVIEW definition, nor CREATE TABLE AS). False for any other statement.
    bool Apply(const std::string &type, const Json &node);
    // A plain CREATE TABLE AS / CREATE MATERIALIZED VIEW (`node`) whose query returns `columns`
    // (with their `types`, "" unknown), as the front end resolved them.
    void CreateTableAs(const Json &node, const std::vector<std::string> &columns, const std::vector<std::string> &types);

private:
    struct Saved {
        std::string savepoint;  // "" for the transaction itself
        Schema before;
    };
    std::vector<Saved> transactions_;
};

}  // namespace tviews::checker

// shape.hpp: a TVIEW definition as the planner sees it, whoever parsed it.
//
// Regime: pure C++ (no PostgreSQL headers). Two front ends produce a QueryShape: the server's
// analyzed query (src/definition/query_shape.cpp) and, for the offline checker, libpg_query's
// parse tree. The planner (planner.hpp) decides from the shape alone whether and how a TVIEW
// can be maintained, so both front ends get the same verdict.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tviews::planner {

enum class Volatility { kImmutable, kStable, kVolatile };

// A function (or operator's function) an expression calls.
struct FunctionRef {
    std::string name;
    Volatility volatility = Volatility::kImmutable;
    bool builtin = true;  // part of PostgreSQL itself (pg_catalog, OID below FirstNormalObjectId)
};

// An expression of the select list, the WHERE clause or a join condition. Only what the rules need
// is modelled; the front end keeps the real expression behind `handle`.
struct Expr {
    enum class Kind {
        kColumn,       // rel.attno
        kConst,        // a constant (text kept for JSON object keys)
        kJsonbObject,  // jsonb_build_object(k1, v1, ...) with an explicit argument list
        kJsonbArray,   // jsonb_build_array(v1, ...) with an explicit argument list
        kEquality,     // a = b with an equality operator (join conditions)
        kSubquery,     // a scalar subquery aggregating child rows: QueryShape::subqueries[sub]
        kOther,        // anything else: functions, operators, CASE, casts, ...
    };
    Kind kind = Kind::kOther;
    int rel = -1;    // kColumn: index into QueryShape::relations
    int attno = 0;   // kColumn: attribute number (0 = whole row)
    bool const_null = false;
    bool const_is_text = false;
    std::string const_text;
    std::string construct;                 // kOther: what it is, for messages ("function upper")
    std::vector<FunctionRef> functions;    // functions this node itself calls
    std::vector<Expr> args;                // sub-expressions
    int sub = -1;                          // kSubquery: index into QueryShape::subqueries
    // kOther: a call of a built-in aggregate ("count", "sum", ...; "" for anything else), and
    // whether it is count(*) and plain (no DISTINCT, ORDER BY, FILTER or VARIADIC).
    std::string aggregate;
    bool aggregate_star = false;
    bool aggregate_plain = false;
    bool coalesce_zero = false;            // kOther: COALESCE(args[0], 0), a zero literal as the only fallback
    int handle = -1;                       // the front end's id of the underlying node
    int location = -1;                     // character offset in the definition text, -1 unknown
};

struct Relation {
    enum class Kind { kTable, kTview, kOther };
    uint32_t oid = 0;
    std::string name;  // as users should read it in messages (schema-qualified when needed)
    Kind kind = Kind::kTable;
    std::string kind_name;  // for kOther: "materialized view", "foreign table", ...
    std::vector<std::string> attnames;                 // index attno-1; empty string = dropped
    std::vector<std::vector<int>> unique_keys;         // attno sets of immediate, non-partial unique indexes
    std::vector<bool> attnotnull;                      // index attno-1
    int primary_key = -1;                              // index into unique_keys, -1 none
    int location = -1;
    std::string qualified_name;  // schema.name, quoted as needed (messages about the source itself)
    std::string relname;         // the name alone
    std::vector<std::string> atttypes;  // index attno-1: the column's type (a domain's base type)
    bool temporary = false;
    bool row_security_applies = false;  // the creator reads it through row-level security policies
    bool select_granted = true;         // the creator may SELECT from it (table privilege)
    std::vector<bool> attselect;        // index attno-1: column SELECT privilege (when not table-wide)
};

// A view the definition reads (expanded into its relations): the creator needs SELECT on it.
struct ViewRef {
    std::string qualified_name;
    bool select_granted = true;
};

// One relation in the FROM clause, in left-deep order: item 0 is the first relation, each next one
// is joined to what comes before it. Views are already expanded into their relations.
struct FromItem {
    enum class Join { kFirst, kInner, kLeft, kUnsupported };
    int rel = -1;
    Join join = Join::kFirst;
    std::string join_name;        // kUnsupported: "RIGHT JOIN", "FULL JOIN", ...
    std::vector<Expr> conditions; // kLeft: the ON conditions (a conjunction); kInner ones go to `where`
    int location = -1;
};

struct TargetColumn {
    std::string name;
    Expr expr;
};

// A construct the front end found that the engine cannot maintain (GROUP BY, LIMIT, ...).
struct Construct {
    std::string name;     // "GROUP BY", "LIMIT", "window function row_number", ...
    std::string detail;   // optional extra detail
    int location = -1;
};

// A correlated scalar subquery of the select list, such as
//   (SELECT jsonb_agg(c.body ORDER BY c.pk) FROM tb_comment c WHERE c.fk_post = p.pk_post)
// Its relations are in QueryShape::relations too; `where` holds the correlation (equalities
// between a relation of the subquery and one of the enclosing query), the joins of the
// subquery and its filters.
struct SubqueryShape {
    std::vector<FromItem> from;
    std::vector<Expr> where;
    Expr target;
    bool aggregate = false;  // one row whatever the data: an aggregate without GROUP BY
    int location = -1;
};

struct QueryShape {
    std::vector<Relation> relations;
    std::vector<SubqueryShape> subqueries;
    std::vector<FromItem> from;
    std::vector<Expr> where;  // conjuncts: the WHERE clause and inner join conditions
    std::vector<TargetColumn> targets;
    std::vector<Construct> unsupported;
    bool temporary = false;  // the TVIEW itself is a temporary table
    std::vector<ViewRef> views;
};

}  // namespace tviews::planner

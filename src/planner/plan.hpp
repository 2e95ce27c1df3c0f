// plan.hpp: the refresh plan of a TVIEW, what the engine runs to keep it equal to its query.
//
// Regime: pure C++ (no PostgreSQL headers). Built by the planner from a QueryShape; the runtime
// (src/runtime) turns it into kernels. Expressions stay in the front end (`handle`).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace tviews::planner {

// A relation occurrence in the join tree. Node 0 is the root: one TVIEW row per root row that
// passes the filters. Every other node is reached from its parent by a to-one edge: the parent's
// foreign-key columns equal a unique key of the node.
struct PlanNode {
    int rel = -1;                   // index into QueryShape::relations
    int parent = -1;                // -1 for the root
    bool left_join = false;         // LEFT JOIN edge: a missing partner gives NULLs, not no row
    std::vector<int> parent_attnos; // the parent's columns on the edge (foreign key side)
    std::vector<int> key_attnos;    // this node's unique key columns they equal
    std::vector<int> edge_filters;  // indexes into RefreshPlan::predicates (LEFT JOIN ON extras)
    std::vector<int> children;
    // 0 for the TVIEW's own join tree; s + 1 for the rows aggregated by subquery s. The first node
    // of a subquery's scope is its child table: reached from its parent (a node of the enclosing
    // scope) by a to-many edge where key_attnos are the child's correlation columns and
    // parent_attnos the parent's key.
    int scope = 0;
};

// Something evaluated per TVIEW row: a leaf of a column, or a predicate.
struct Input {
    int node = -1;
    int attno = 0;  // 0 = whole row
    bool operator==(const Input &o) const { return node == o.node && attno == o.attno; }
};

// A leaf whose value is a count or an integer sum of the rows of a subquery's child table,
// `(SELECT count(*) | count(c.x) | sum(c.x) FROM child c WHERE <correlation>)`, bare or in
// COALESCE(..., 0): maintained from the change (the value in the TVIEW row plus what the changed
// child rows add and take away) instead of running the subquery.
struct Counter {
    enum class Kind { kNone, kCountStar, kCountColumn, kSumInt, kSumInt8 };
    Kind kind = Kind::kNone;
    int node = -1;   // the child node whose rows it counts
    int attno = 0;   // the counted or summed column of the child
};

struct Leaf {
    int column = -1;                // TVIEW column (0-based)
    std::vector<std::string> path;  // JSON path inside the column ({} = the whole column)
    int handle = -1;                // front end's expression
    std::vector<Input> inputs;      // what it reads
    Counter counter;                // kind kNone: not a counter
};

struct Predicate {
    int handle = -1;
    std::vector<Input> inputs;
    int edge_of = -1;  // node whose LEFT JOIN condition this is, -1 = a WHERE filter
    int scope = 0;     // > 0: a condition inside subquery scope - 1 (evaluated by the subquery)
};

struct Column {
    std::string name;
    int handle = -1;               // the whole column expression
    bool json_tree = false;        // built by jsonb_build_object/array: patched leaf by leaf
    std::vector<int> leaves;       // indexes into RefreshPlan::leaves
    std::vector<Input> inputs;
};

struct RefreshPlan {
    std::vector<PlanNode> nodes;
    std::vector<Column> columns;
    std::vector<Leaf> leaves;
    std::vector<Predicate> predicates;
    std::vector<int> key_columns;   // TVIEW columns (0-based) holding the root key, in key order
    std::vector<int> root_key;      // root relation attnos of that key

    // Columns of `node` that, when they change, change which rows or partners the TVIEW has:
    // keys referenced by the parent edge, foreign keys of child edges, predicate inputs.
    std::vector<int> StructuralAttnos(int node) const;
    // Every column of `node` the TVIEW reads.
    std::vector<int> UsedAttnos(int node) const;
    // Leaves reading any of `attnos` of `node`.
    std::vector<int> LeavesReading(int node, const std::vector<int> &attnos) const;
};

// Why a definition cannot be maintained: a value, raised once at CREATE (and shown by tools).
struct Refusal {
    SqlState state = sqlstate::kFeatureNotSupported;
    std::string message;
    std::string detail;
    std::string hint;
    int location = -1;
};

using PlanResult = std::variant<RefreshPlan, Refusal>;

}  // namespace tviews::planner

// compiled_tview.hpp: a TVIEW as the runtime runs it: the refresh plan turned into attribute
// numbers, index OIDs, scan-key procedures and ExprStates.
//
// Regime: PostgreSQL side, plain data (no functions). A CompiledTview is palloc'd in a memory
// context of its own, built once per backend by compile.cpp, cached by tview_cache.cpp, and only
// read by the kernels (kernel.cpp), the tiers (tiers.cpp) and EXPLAIN. Expressions are compiled
// over a "wide row" that concatenates the columns of every relation of the join tree.
#pragma once

#include "boundary/pg.hpp"

extern "C" {
#include "access/attnum.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "nodes/bitmapset.h"
#include "nodes/execnodes.h"
#include "nodes/plannodes.h"
#include "utils/palloc.h"
}

namespace tviews::runtime {

// The kind of change a kernel handles: a kernel is (TVIEW, source, kind of change).
enum class ChangeKind { kInsert, kUpdate, kDelete };

// How to scan one index with equality keys taken from an array of values.
struct IndexKey {
    Oid index;               // InvalidOid: none
    int nkeys;
    int *value_of_column;    // [index key column] -> position in the caller's value array
    RegProcedure *eq_procs;  // [index key column]
    Oid *collations;         // [index key column]
};

// What a kernel does with one changed row of a node, for one kind of change: described once, where
// the node is compiled (compile.cpp); EXPLAIN and pg_tviews_explain render it.
struct KernelStep {
    const char *action;
    int npatched;
    int *patched_leaves;        // leaves rewritten from the change itself
    Bitmapset **patched_reads;  // [i]: the columns of the node that leaf patched_leaves[i] reads and the change rewrites
    Bitmapset *recomputes_on;   // an update of a joined row: read columns whose change recomputes the TVIEW row
};

struct CompiledNode {
    Oid relid;
    int parent;               // -1 for the root
    bool left_join;
    int nkeys;                // edge width
    AttrNumber *parent_attnos;  // on the parent (foreign key side)
    AttrNumber *key_attnos;     // on this relation (the unique key they equal)
    IndexKey by_key;          // this relation by key_attnos (the root: by its key)
    IndexKey by_parent_fk;    // the parent relation by parent_attnos (reverse lookups)
    int nedge_filters;
    ExprState **edge_filters;
    bool conditional;         // an edge filter here or above: joined rows may still be absent
    bool child_scope;         // a row aggregated by a subquery of the select list, not joined
    bool counted;             // a counter leaf counts its changes (kernels keep the changed rows)
    int wide_offset;          // wide attribute of this relation's attno 1, minus 1
    int natts;
    Bitmapset *used;          // attnos the TVIEW reads (0 = whole row)
    Bitmapset *structural;    // attnos whose change can change rows or partners
    Bitmapset *keys;          // attnos that find its dependents: the root's key, or the key its edge joins on
    KernelStep steps[3];      // per ChangeKind
    int nchildren;
    int *children;
};

// A scalar subquery of the select list, planned once per backend with its references to the
// enclosing row as parameters, executed for one TVIEW row at a time.
struct CompiledSublink {
    PlannedStmt *plan;
    int nparams;
    int *param_wide_attno;    // [param] -> wide attribute (1-based) holding its value
    Oid *param_types;
    Oid result_type;
    int16 result_typlen;
    bool result_typbyval;
};

// A counter leaf (planner::Counter: a count or an integer sum of child rows) maintained from the
// change instead of by running its subquery (counters.hpp). A removal that may leave a sum NULL,
// an overflow, or a value that is not where it should be in the row falls back to running the
// subquery for that row.
enum class CounterKind : uint8 { kNone, kCountStar, kCountColumn, kSumInt, kSumInt8 };

struct CompiledCounter {
    CounterKind kind;
    int node;                 // the child node whose changes it counts
    AttrNumber attno;         // the counted or summed column of the child
    int sublink;              // the subquery it stands for (its result is that parameter)
};

struct CompiledLeaf {
    int column;               // TVIEW column (0-based)
    Datum path;               // text[] for jsonb_set; 0 for a whole column
    int npath;
    Datum *path_elems;        // the path's elements (text), for reading the current value
    CompiledCounter counter;  // kind kNone: not a counter
    ExprState *value;         // to_jsonb(leaf) for JSON paths, the column expression otherwise
    Bitmapset *input_nodes;   // nodes it reads
    Bitmapset **input_attnos; // [node] attnos it reads (0 = whole row)
    Bitmapset *sublinks;      // subqueries it evaluates (their results are parameters)
};

struct CompiledTview {
    Oid tview;
    Oid owner;
    char *settings;
    char *definition;         // schema-qualified SQL (full refresh)
    bool populated;
    bool valid;               // false once invalidated: rebuilt before next use
    MemoryContext context;
    char *name;               // qualified, for messages
    char *privilege_error;    // a source the owner may no longer read (maintenance refuses)

    int nnodes;
    CompiledNode *nodes;
    TupleDesc wide_desc;

    int ncolumns;
    ExprState **columns;      // full computation of each TVIEW column
    int nleaves;
    CompiledLeaf *leaves;
    int nfilters;
    ExprState **filters;      // WHERE predicates
    int nsublinks;
    CompiledSublink *sublinks;

    int nkey;
    int *key_columns;         // TVIEW columns (0-based) of the root key
    AttrNumber *root_key;     // root attnos of the key, same order
    IndexKey tview_by_key;    // the TVIEW's unique key index
    FmgrInfo *key_compare;    // [nkey] btree comparison, for lock ordering
    Oid *key_collations;

    int nsources;
    Oid *sources;             // relations whose changes invalidate this entry (tables and views)

    int ndependents;
    Oid *dependents;          // TVIEWs reading this one: its changes are handed to their kernels

    struct ProgramSet *programs;  // the per-row programs and their native code (runtime/tiers.hpp)
};

}  // namespace tviews::runtime

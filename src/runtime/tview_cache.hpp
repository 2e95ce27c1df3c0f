// tview_cache.hpp: the per-backend cache of compiled TVIEWs, the kernels' representation.
//
// Regime: PostgreSQL side. A CompiledTview is plain palloc'd data in a memory context of its own:
// the refresh plan turned into what the kernels run (attribute numbers, index OIDs, scan-key
// procedures, ExprStates over a "wide row" that concatenates the columns of every relation of
// the join tree). It is built once per backend from the catalog and dropped by relcache
// invalidation of the TVIEW or any of its sources. Kernels (kernel.cpp) only read it. This is
// the representation the JIT compiles.
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

// How to scan one index with equality keys taken from an array of values.
struct IndexKey {
    Oid index;               // InvalidOid: none
    int nkeys;
    int *value_of_column;    // [index key column] -> position in the caller's value array
    RegProcedure *eq_procs;  // [index key column]
    Oid *collations;         // [index key column]
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

// A leaf whose value is a count or an integer sum of child rows, `(SELECT count(*) | count(c.x) |
// sum(c.x) FROM child c WHERE c.fk = r.key)`, bare or in COALESCE(..., 0): maintained from the
// change (the value in the TVIEW row plus what the changed child rows add and remove) instead
// of running the subquery. A removal that may leave a sum NULL, an overflow, or a value that is
// not where it should be in the row falls back to running the subquery for that row.
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

    struct KernelSet *kernels;  // the per-row programs and their native code (runtime/tiers.hpp)
};

// The compiled TVIEW, built on first use (or after invalidation). nullptr if `tview` is not a
// TVIEW (catalog row missing). May ereport. Valid until the outermost KernelScope ends: an entry
// invalidated while kernels run is only freed once none runs.
CompiledTview *GetCompiledTview(Oid tview);

// Brackets kernel execution (C-style: Enter/Leave around the run; a transaction abort resets).
void EnterKernels();
void LeaveKernels();

void RegisterCacheInvalidation();

}  // namespace tviews::runtime

// stats.hpp: what maintenance costs, per TVIEW: shared statistics (pg_tviews_stats) and the
// per-statement figures EXPLAIN ANALYZE shows.
//
// Regime: PostgreSQL side, C-style. One entry per (database, TVIEW) in shared memory, sized at
// server start (pg_tviews_stats_max entries, see stats.cpp), updated at the end of each kernel
// run under one LWLock; counters survive connections (not restarts) and are reset with
// pg_tviews_stats_reset(). While EXPLAIN ANALYZE runs a statement, the same figures are also
// added to a per-statement tally the EXPLAIN output reads.
#pragma once

#include "boundary/pg.hpp"

namespace tviews::runtime {

struct KernelFigures {
    int64 rows_patched;      // TVIEW rows rewritten by patching leaves
    int64 rows_recomputed;   // TVIEW rows rewritten from a recomputation
    int64 rows_inserted;
    int64 rows_deleted;
    int64 counters_from_change;  // counter leaves computed from the change, not by their subquery
    double time_ms;          // this TVIEW's kernel, excluding the cascades it hands changes to
    bool compiled;           // the tier of the run
};

void RequestStatsSharedMemory();  // from _PG_init (shmem_request_hook)
void RecordKernelRun(Oid tview, Oid source, const KernelFigures &figures);
void RecordCompile(Oid tview, double ms, bool ok);

// EXPLAIN ANALYZE: a tally of the figures per TVIEW and source for the statement being explained.
void BeginStatementTally();
void EndStatementTally();
bool StatementTallyFigures(Oid tview, Oid source, KernelFigures *out, int64 *runs);

}  // namespace tviews::runtime

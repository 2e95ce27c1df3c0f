// stats.cpp: see stats.hpp.
#include "runtime/stats.hpp"

#include "boundary/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

namespace tviews::runtime {

namespace {

constexpr int kMaxEntries = 4096;  // TVIEWs tracked over all databases; more are not counted

struct StatsKey {
    Oid database;
    Oid tview;
};

struct StatsEntry {
    StatsKey key;
    int64 statements;
    int64 kernel_runs;
    int64 runs_interpreted;
    int64 runs_compiled;
    int64 rows_patched;
    int64 rows_recomputed;
    int64 rows_inserted;
    int64 rows_deleted;
    double time_ms;
    int64 compiles;
    double compile_ms;
    int64 compile_failures;
    TimestampTz last_statement;  // statement start of the last counted statement (any backend)
    TimestampTz reset_at;
};

struct StatsShared {
    LWLock *lock;
    int64 dropped;  // runs not counted: the table was full
};

StatsShared *shared = nullptr;
HTAB *table = nullptr;
shmem_request_hook_type prev_request = nullptr;
shmem_startup_hook_type prev_startup = nullptr;

void RequestHook() {
    if (prev_request != nullptr) prev_request();
    RequestAddinShmemSpace(MAXALIGN(sizeof(StatsShared)) + hash_estimate_size(kMaxEntries, sizeof(StatsEntry)));
    RequestNamedLWLockTranche("pg_tviews_stats", 1);
}

void StartupHook() {
    if (prev_startup != nullptr) prev_startup();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    shared = static_cast<StatsShared *>(ShmemInitStruct("pg_tviews_stats", sizeof(StatsShared), &found));
    if (!found) {
        shared->lock = &(GetNamedLWLockTranche("pg_tviews_stats"))->lock;
        shared->dropped = 0;
    }
    HASHCTL info;
    memset(&info, 0, sizeof(info));
    info.keysize = sizeof(StatsKey);
    info.entrysize = sizeof(StatsEntry);
    table = ShmemInitHash("pg_tviews_stats hash", kMaxEntries, kMaxEntries, &info, HASH_ELEM | HASH_BLOBS);
    LWLockRelease(AddinShmemInitLock);
}

// Caller holds the lock exclusively. nullptr when the table is full.
StatsEntry *EntryFor(Oid tview) {
    StatsKey key{MyDatabaseId, tview};
    bool found;
    auto *e = static_cast<StatsEntry *>(hash_search(table, &key, HASH_ENTER_NULL, &found));
    if (e == nullptr) {
        shared->dropped++;
        return nullptr;
    }
    if (!found) {
        memset(reinterpret_cast<char *>(e) + sizeof(StatsKey), 0, sizeof(StatsEntry) - sizeof(StatsKey));
        e->reset_at = GetCurrentTimestamp();
    }
    return e;
}

// The statement being explained with ANALYZE: figures per TVIEW.
struct Tally {
    Oid tview;
    Oid source;
    KernelFigures figures;
    int64 runs;
};
List *tally = NIL;   // Tally *, in TopMemoryContext until the EXPLAIN ends
bool tallying = false;

}  // namespace

void RequestStatsSharedMemory() {
    prev_request = shmem_request_hook;
    shmem_request_hook = RequestHook;
    prev_startup = shmem_startup_hook;
    shmem_startup_hook = StartupHook;
}

void RecordKernelRun(Oid tview, Oid source, const KernelFigures &f) {
    if (tallying) {
        Tally *t = nullptr;
        ListCell *lc;
        foreach (lc, tally)
            if (static_cast<Tally *>(lfirst(lc))->tview == tview && static_cast<Tally *>(lfirst(lc))->source == source)
                t = static_cast<Tally *>(lfirst(lc));
        if (t == nullptr) {
            t = static_cast<Tally *>(MemoryContextAllocZero(TopMemoryContext, sizeof(Tally)));
            t->tview = tview;
            t->source = source;
            MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
            tally = lappend(tally, t);
            MemoryContextSwitchTo(old);
        }
        t->figures.rows_patched += f.rows_patched;
        t->figures.rows_recomputed += f.rows_recomputed;
        t->figures.rows_inserted += f.rows_inserted;
        t->figures.rows_deleted += f.rows_deleted;
        t->figures.counters_from_change += f.counters_from_change;
        t->figures.time_ms += f.time_ms;
        t->figures.compiled |= f.compiled;
        t->runs++;
    }
    if (table == nullptr) return;
    TimestampTz statement = GetCurrentStatementStartTimestamp();
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    if (StatsEntry *e = EntryFor(tview)) {
        e->kernel_runs++;
        if (e->last_statement != statement) e->statements++;
        e->last_statement = statement;
        (f.compiled ? e->runs_compiled : e->runs_interpreted)++;
        e->rows_patched += f.rows_patched;
        e->rows_recomputed += f.rows_recomputed;
        e->rows_inserted += f.rows_inserted;
        e->rows_deleted += f.rows_deleted;
        e->time_ms += f.time_ms;
    }
    LWLockRelease(shared->lock);
}

void RecordCompile(Oid tview, double ms, bool ok) {
    if (table == nullptr) return;
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    if (StatsEntry *e = EntryFor(tview)) {
        (ok ? e->compiles : e->compile_failures)++;
        e->compile_ms += ms;
    }
    LWLockRelease(shared->lock);
}

void BeginStatementTally() {
    EndStatementTally();
    tallying = true;
}

void EndStatementTally() {
    tallying = false;
    list_free_deep(tally);
    tally = NIL;
}

bool StatementTallyFigures(Oid tview, Oid source, KernelFigures *out, int64 *runs) {
    ListCell *lc;
    foreach (lc, tally) {
        auto *t = static_cast<Tally *>(lfirst(lc));
        if (t->tview != tview || t->source != source) continue;
        *out = t->figures;
        *runs = t->runs;
        return true;
    }
    return false;
}

}  // namespace tviews::runtime

namespace {

// C-style bodies (may ereport, own nothing): called through the guard below.
void EmitStats(FunctionCallInfo fcinfo) {
    using namespace tviews::runtime;
    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    if (table == nullptr) return;
    LWLockAcquire(shared->lock, LW_SHARED);
    HASH_SEQ_STATUS seq;
    hash_seq_init(&seq, table);
    while (auto *e = static_cast<StatsEntry *>(hash_seq_search(&seq))) {
        if (e->key.database != MyDatabaseId) continue;
        Datum v[14] = {ObjectIdGetDatum(e->key.tview), Int64GetDatum(e->statements), Int64GetDatum(e->kernel_runs),
                       Int64GetDatum(e->rows_patched), Int64GetDatum(e->rows_recomputed),
                       Int64GetDatum(e->rows_inserted), Int64GetDatum(e->rows_deleted), Float8GetDatum(e->time_ms),
                       Int64GetDatum(e->runs_interpreted), Int64GetDatum(e->runs_compiled), Int64GetDatum(e->compiles),
                       Float8GetDatum(e->compile_ms), Int64GetDatum(e->compile_failures),
                       TimestampTzGetDatum(e->reset_at)};
        bool n[14] = {};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
    }
    LWLockRelease(shared->lock);
}

void ResetStats(Oid tview, bool all) {  // all: every TVIEW of this database
    using namespace tviews::runtime;
    if (table == nullptr) return;
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    HASH_SEQ_STATUS seq;
    hash_seq_init(&seq, table);
    while (auto *e = static_cast<StatsEntry *>(hash_seq_search(&seq))) {
        if (e->key.database != MyDatabaseId || (!all && e->key.tview != tview)) continue;
        StatsKey key = e->key;
        hash_search(table, &key, HASH_REMOVE, nullptr);
    }
    LWLockRelease(shared->lock);
}

}  // namespace

// tviews.stats(): the shared counters of this database's TVIEWs (pg_tviews_stats reads it).
TVIEWS_FUNCTION(pg_tviews_stats) {
    tviews::pg::Call(EmitStats, fcinfo);
    return static_cast<Datum>(0);
}

// pg_tviews_stats_reset(tview regclass DEFAULT NULL): forgets the counters of one TVIEW, or of
// every TVIEW of this database when called without one (NULL). An OID that is no TVIEW (0
// included) has no counters: nothing is reset.
TVIEWS_FUNCTION(pg_tviews_stats_reset) {
    bool all = PG_ARGISNULL(0);
    tviews::pg::Call(ResetStats, all ? InvalidOid : PG_GETARG_OID(0), all);
    PG_RETURN_VOID();
}

// tview_cache.cpp: see tview_cache.hpp.
//
// Regime: PostgreSQL side; a dynahash table in TopMemoryContext maps TVIEW OIDs to their
// CompiledTview. An invalidated entry is not freed while it may be in use: its memory context
// moves under the transaction's, so it goes when the transaction ends (commit or abort alike).
#include "runtime/tview_cache.hpp"

#include "boundary/guard.hpp"
#include "catalog/catalog.hpp"
#include "runtime/compile.hpp"

extern "C" {
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
}

namespace tviews::runtime {

namespace {

struct CacheEntry {
    Oid tview;  // hash key
    CompiledTview *compiled;
};

HTAB *cache = nullptr;

void EnsureCache() {
    if (cache != nullptr) return;
    HASHCTL ctl = {};
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(CacheEntry);
    ctl.hcxt = TopMemoryContext;
    cache = hash_create("pg_tviews compiled TVIEWs", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

void FreeCompiled(CompiledTview *tv) { MemoryContextDelete(tv->context); }

// An invalidated entry may still be read by a kernel running now: free it with the transaction.
void Retire(CompiledTview *tv) { MemoryContextSetParent(tv->context, TopTransactionContext); }

CompiledTview *NewCompiled(Oid tview) {
    MemoryContext context = AllocSetContextCreate(CacheMemoryContext, "pg_tviews TVIEW", ALLOCSET_SMALL_SIZES);
    auto *tv = static_cast<CompiledTview *>(MemoryContextAllocZero(context, sizeof(CompiledTview)));
    tv->tview = tview;
    tv->context = context;
    return tv;
}

void InvalidateCallback(Datum arg, Oid relid) {
    if (cache == nullptr) return;
    HASH_SEQ_STATUS status;
    hash_seq_init(&status, cache);
    CacheEntry *entry;
    while ((entry = static_cast<CacheEntry *>(hash_seq_search(&status))) != nullptr) {
        CompiledTview *tv = entry->compiled;
        if (tv == nullptr || !tv->valid) continue;
        if (!OidIsValid(relid) || relid == tv->tview) {
            tv->valid = false;
            continue;
        }
        for (int i = 0; i < tv->nsources; i++)
            if (tv->sources[i] == relid) tv->valid = false;
    }
}

CacheEntry *Lookup(Oid tview) {
    EnsureCache();
    bool found;
    auto *entry = static_cast<CacheEntry *>(hash_search(cache, &tview, HASH_ENTER, &found));
    if (!found) entry->compiled = nullptr;
    return entry;
}

void Forget(Oid tview) { hash_search(cache, &tview, HASH_REMOVE, nullptr); }

}  // namespace

CompiledTview *GetCompiledTview(Oid tview) {
    CacheEntry *entry = pg::Call(Lookup, tview);
    CompiledTview *tv = entry->compiled;
    if (tv != nullptr && tv->valid) return tv;
    if (tv != nullptr) {
        entry->compiled = nullptr;
        pg::Call(Retire, tv);
    }
    catalog::TviewRow *row = pg::Call(catalog::ReadTview, tview);
    if (row == nullptr) {
        pg::Call(Forget, tview);
        return nullptr;
    }
    CompiledTview *built = pg::Call(NewCompiled, tview);
    try {
        CompileTview(built, row);
    } catch (...) {
        pg::Call(FreeCompiled, built);
        throw;
    }
    // Re-look up: building may have run invalidation callbacks, but never removes entries.
    pg::Call(Lookup, tview)->compiled = built;
    return built;
}

void RegisterCacheInvalidation() { CacheRegisterRelcacheCallback(InvalidateCallback, 0); }

}  // namespace tviews::runtime

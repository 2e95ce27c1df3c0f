// tiers.cpp: see tiers.hpp.
//
// Regime: PostgreSQL side. C++ objects (KernelSet, the statistics) live here; PostgreSQL calls
// that may raise an error go through pg::Call, and the functions the kernels call are noexcept.
#include "runtime/tiers.hpp"

#include "boundary/guard.hpp"
#include "jit/compiler.hpp"
#include "runtime/stats.hpp"

extern "C" {
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "storage/ipc.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
}

#include <map>
#include <string>
#include <vector>

bool tviews::runtime::jit_enabled = true;
int tviews::runtime::jit_threshold = 100;

int32_t tviews_jit_datum_equal(uint64_t a, uint64_t b, int32_t typlen) {
    return datumIsEqual(static_cast<Datum>(a), static_cast<Datum>(b), false, typlen) ? 1 : 0;
}

namespace tviews::runtime {

namespace {

struct KernelKey {
    Oid source;
    int kind;
    bool operator<(const KernelKey &o) const { return source != o.source ? source < o.source : kind < o.kind; }
};

// Per backend, across recompilations of the TVIEW (what pg_tviews_kernels() shows).
struct KernelStats {
    int64 interpreted = 0;
    int64 compiled = 0;
    bool last_compiled = false;
};
struct TviewStats {
    int64 compiles = 0;
    double compile_ms = 0;
    int64 failures = 0;
    std::map<KernelKey, KernelStats> kernels;
};
std::map<Oid, TviewStats> *stats = nullptr;

jit::Compiler *compiler = nullptr;
uint64 units_made = 0;

void ShutdownCompiler(int, Datum) {
    delete compiler;
    compiler = nullptr;
}

}  // namespace

struct KernelSet {
    enum class State { kInterpreted, kCompiled, kFailed };
    Oid tview = InvalidOid;
    std::vector<bool> has_update;              // per node
    std::vector<kernel::UpdateProgram> updates;
    std::vector<kernel::KeyProgram> keys;
    std::vector<kernel::UpdateFn> update_fns;  // per node, when compiled
    std::vector<kernel::KeyFn> key_fns;
    std::map<KernelKey, int64> runs;           // of this compiled form
    State state = State::kInterpreted;
    uint64 unit = 0;

    ~KernelSet() {
        if (unit != 0 && compiler != nullptr) compiler->Release(unit);
    }
};

namespace {

void FreeKernelSet(void *arg) { delete static_cast<KernelSet *>(arg); }

void RegisterFree(MemoryContext cxt, KernelSet *set) {
    auto *callback = static_cast<MemoryContextCallback *>(MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback)));
    callback->func = FreeKernelSet;
    callback->arg = set;
    MemoryContextRegisterResetCallback(cxt, callback);
}

struct TypeInfo {
    int16 typlen;
    bool typbyval;
};

TypeInfo ColumnType(Oid relid, AttrNumber attno) {
    TypeInfo info;
    get_typlenbyval(get_atttype(relid, attno), &info.typlen, &info.typbyval);
    return info;
}

bool IsMember(int x, const Bitmapset *set) { return bms_is_member(x, set); }
int NextMember(const Bitmapset *set, int prev) { return bms_next_member(set, prev); }

// Compiles every kernel of the TVIEW into one unit (C++ regime; never throws out of here).
void CompileSet(KernelSet *set, TviewStats &ts) {
    if (compiler == nullptr) {
        compiler = new jit::Compiler(tviews_jit_datum_equal);
        on_proc_exit(ShutdownCompiler, 0);
    }
    jit::UnitRequest request;
    request.name = "tview" + std::to_string(set->tview) + "_" + std::to_string(++units_made);
    std::vector<int> update_of;  // request index -> node
    for (size_t n = 0; n < set->updates.size(); n++) {
        if (!set->has_update[n]) continue;
        request.updates.push_back(set->updates[n]);
        update_of.push_back(static_cast<int>(n));
    }
    request.keys = set->keys;
    jit::Unit unit = compiler->Compile(request);
    ts.compile_ms += unit.compile_ms;
    pg::Call(RecordCompile, set->tview, unit.compile_ms, unit.error.empty());
    if (!unit.error.empty()) {
        ts.failures++;
        set->state = KernelSet::State::kFailed;
        elog(LOG, "pg_tviews: could not compile the refresh kernels of the TVIEW with OID %u, they stay interpreted: %s",
             set->tview, unit.error.c_str());
        return;
    }
    ts.compiles++;
    set->unit = unit.handle;
    set->update_fns.assign(set->updates.size(), nullptr);
    for (size_t i = 0; i < update_of.size(); i++) set->update_fns[update_of[i]] = unit.updates[i];
    set->key_fns = unit.keys;
    set->state = KernelSet::State::kCompiled;
}

}  // namespace

void DefineJitSettings() {
    DefineCustomBoolVariable("pg_tviews.jit", "Runs TVIEW refresh kernels as native code compiled with LLVM.",
                             "Off: every kernel runs in the interpreter (the results are the same).", &jit_enabled,
                             true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.jit_threshold",
                            "Runs of a refresh kernel in a backend before the TVIEW's kernels are compiled.",
                            "0 compiles them before their first run.", &jit_threshold, 100, 0, INT_MAX, PGC_USERSET, 0,
                            nullptr, nullptr, nullptr);
}

void BuildKernelSet(CompiledTview *tv) {
    auto *set = new KernelSet;
    set->tview = tv->tview;
    try {
        for (int n = 0; n < tv->nnodes; n++) {
            const CompiledNode &node = tv->nodes[n];
            kernel::UpdateProgram update;
            bool whole_row = pg::Call(IsMember, 0, static_cast<const Bitmapset *>(node.used));
            int attno = 0;
            while ((attno = pg::Call(NextMember, static_cast<const Bitmapset *>(node.used), attno)) >= 0) {
                TypeInfo type = pg::Call(ColumnType, node.relid, AttrNumber(attno));
                kernel::Column c;
                c.attno = attno;
                c.compare = type.typbyval ? kernel::Compare::kWord : kernel::Compare::kByRef;
                c.typlen = type.typlen;
                c.structural = pg::Call(IsMember, attno, static_cast<const Bitmapset *>(node.structural));
                if (n == 0) {
                    for (int k = 0; k < tv->nkey; k++) c.key |= tv->root_key[k] == attno;
                } else {
                    for (int k = 0; k < node.nkeys; k++) c.key |= node.key_attnos[k] == attno;
                }
                update.columns.push_back(c);
                update.natts = std::max(update.natts, attno);
            }
            update.conditional = node.conditional;
            kernel::KeyProgram key;
            int nkeys = n == 0 ? tv->nkey : node.nkeys;
            const AttrNumber *attnos = n == 0 ? tv->root_key : node.key_attnos;
            for (int k = 0; k < nkeys; k++) {
                key.attnos.push_back(attnos[k]);
                key.natts = std::max(key.natts, static_cast<int>(attnos[k]));
            }
            set->has_update.push_back(!whole_row && !update.columns.empty());
            set->updates.push_back(std::move(update));
            set->keys.push_back(std::move(key));
        }
        pg::Call(RegisterFree, tv->context, set);
    } catch (...) {
        delete set;
        throw;
    }
    tv->kernels = set;
}

bool StartKernelRun(CompiledTview *tv, Oid source, ChangeKind kind) noexcept {
    try {
        KernelSet *set = tv->kernels;
        if (set == nullptr) return false;
        KernelKey key{source, static_cast<int>(kind)};
        int64 runs = ++set->runs[key];
        if (stats == nullptr) stats = new std::map<Oid, TviewStats>;
        TviewStats &ts = (*stats)[tv->tview];
        if (jit_enabled && set->state == KernelSet::State::kInterpreted && runs - 1 >= jit_threshold)
            CompileSet(set, ts);
        bool compiled = jit_enabled && set->state == KernelSet::State::kCompiled;
        KernelStats &ks = ts.kernels[key];
        (compiled ? ks.compiled : ks.interpreted)++;
        ks.last_compiled = compiled;
        return compiled;
    } catch (...) {
        return false;
    }
}

bool NextRunCompiled(const CompiledTview *tv, Oid source, ChangeKind kind) noexcept {
    try {
        const KernelSet *set = tv->kernels;
        if (!jit_enabled || set == nullptr || set->state == KernelSet::State::kFailed) return false;
        if (set->state == KernelSet::State::kCompiled) return true;
        auto it = set->runs.find(KernelKey{source, static_cast<int>(kind)});
        int64 runs = it == set->runs.end() ? 0 : it->second;
        return runs >= jit_threshold;
    } catch (...) {
        return false;
    }
}

RowKernels NodeKernels(const CompiledTview *tv, int node, bool compiled) noexcept {
    RowKernels k{};
    const KernelSet *set = tv->kernels;
    if (set == nullptr || node < 0 || static_cast<size_t>(node) >= set->updates.size()) return k;
    if (set->has_update[node]) k.update = &set->updates[node];
    k.key = &set->keys[node];
    if (compiled && set->state == KernelSet::State::kCompiled) {
        if (k.update != nullptr) k.update_fn = set->update_fns[node];
        k.key_fn = set->key_fns[node];
    }
    return k;
}

namespace {

struct StatsRow {
    Oid tview;
    Oid source;
    int kind;
    bool compiled;
    int64 interpreted;
    int64 compiled_runs;
    int64 compiles;
    double compile_ms;
    int64 failures;
};

void EmitStats(FunctionCallInfo fcinfo, const StatsRow *rows, int n) {
    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    static const char *kinds[] = {"insert", "update", "delete"};
    for (int i = 0; i < n; i++) {
        const StatsRow &r = rows[i];
        Datum values[9] = {ObjectIdGetDatum(r.tview), ObjectIdGetDatum(r.source), CStringGetTextDatum(kinds[r.kind]),
                           CStringGetTextDatum(r.compiled ? "compiled" : "interpreted"), Int64GetDatum(r.interpreted),
                           Int64GetDatum(r.compiled_runs), Int64GetDatum(r.compiles), Float8GetDatum(r.compile_ms),
                           Int64GetDatum(r.failures)};
        bool nulls[9] = {};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
}

}  // namespace

}  // namespace tviews::runtime

// pg_tviews_kernels(): this backend's refresh kernels, the tier of their last run, their runs
// per tier, and the compilations of their TVIEW.
TVIEWS_FUNCTION(pg_tviews_kernels) {
    using namespace tviews::runtime;
    std::vector<StatsRow> rows;
    if (stats != nullptr)
        for (const auto &[tview, ts] : *stats)
            for (const auto &[key, ks] : ts.kernels)
                rows.push_back(StatsRow{tview, key.source, key.kind, ks.last_compiled, ks.interpreted, ks.compiled,
                                        ts.compiles, ts.compile_ms, ts.failures});
    tviews::pg::Call(EmitStats, fcinfo, static_cast<const StatsRow *>(rows.data()), static_cast<int>(rows.size()));
    return static_cast<Datum>(0);
}

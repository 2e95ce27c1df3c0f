// tiers.cpp: see tiers.hpp.
//
// Regime: PostgreSQL side. C++ objects (ProgramSet, the statistics) live here; PostgreSQL calls
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
#include "access/relation.h"
#include "utils/rel.h"
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

struct ProgramSet {
    enum class State { kInterpreted, kCompiled, kFailed };
    Oid tview = InvalidOid;
    std::vector<bool> whole_row;               // per node
    std::vector<program::UpdateProgram> updates;
    std::vector<program::KeyProgram> keys;
    std::vector<program::UpdateFn> update_fns;  // per node, when compiled
    std::vector<program::KeyFn> key_fns;
    std::map<KernelKey, int64> runs;           // of this compiled form
    State state = State::kInterpreted;
    uint64 unit = 0;

    ~ProgramSet() {
        if (unit != 0 && compiler != nullptr) compiler->Release(unit);
    }
};

namespace {

void FreeProgramSet(void *arg) { delete static_cast<ProgramSet *>(arg); }

void RegisterFree(MemoryContext cxt, ProgramSet *set) {
    auto *callback = static_cast<MemoryContextCallback *>(MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback)));
    callback->func = FreeProgramSet;
    callback->arg = set;
    MemoryContextRegisterResetCallback(cxt, callback);
}

struct TypeInfo {
    int16 typlen;
    bool typbyval;
    bool dropped;
};

TypeInfo ColumnType(Oid relid, AttrNumber attno) {
    TypeInfo info{};
    Oid type = get_atttype(relid, attno);
    info.dropped = !OidIsValid(type);
    if (!info.dropped) get_typlenbyval(type, &info.typlen, &info.typbyval);
    return info;
}

int RelationNatts(Oid relid) {
    Relation rel = relation_open(relid, AccessShareLock);
    int natts = RelationGetDescr(rel)->natts;
    relation_close(rel, AccessShareLock);
    return natts;
}

bool IsMember(int x, const Bitmapset *set) { return bms_is_member(x, set); }
int NextMember(const Bitmapset *set, int prev) { return bms_next_member(set, prev); }

// Compiles every kernel of the TVIEW into one unit (C++ regime; never throws out of here).
void CompileSet(ProgramSet *set, TviewStats &ts) {
    if (compiler == nullptr) {
        compiler = new jit::Compiler(tviews_jit_datum_equal);
        on_proc_exit(ShutdownCompiler, 0);
    }
    jit::UnitRequest request;
    request.name = "tview" + std::to_string(set->tview) + "_" + std::to_string(++units_made);
    std::vector<int> update_of;  // request index -> node
    for (size_t n = 0; n < set->updates.size(); n++) {
        if (set->updates[n].columns.empty()) continue;  // nothing to classify: always unchanged
        request.updates.push_back(set->updates[n]);
        update_of.push_back(static_cast<int>(n));
    }
    request.keys = set->keys;
    jit::Unit unit = compiler->Compile(request);
    ts.compile_ms += unit.compile_ms;
    pg::Call(RecordCompile, set->tview, unit.compile_ms, unit.error.empty());
    if (!unit.error.empty()) {
        ts.failures++;
        set->state = ProgramSet::State::kFailed;
        elog(LOG, "pg_tviews: could not compile the refresh kernels of the TVIEW with OID %u, they stay interpreted: %s",
             set->tview, unit.error.c_str());
        return;
    }
    ts.compiles++;
    set->unit = unit.handle;
    set->update_fns.assign(set->updates.size(), nullptr);
    for (size_t i = 0; i < update_of.size(); i++) set->update_fns[update_of[i]] = unit.updates[i];
    set->key_fns = unit.keys;
    set->state = ProgramSet::State::kCompiled;
}

}  // namespace

void BuildProgramSet(CompiledTview *tv) {
    auto *set = new ProgramSet;
    set->tview = tv->tview;
    try {
        for (int n = 0; n < tv->nnodes; n++) {
            const CompiledNode &node = tv->nodes[n];
            // A node read whole (to_jsonb(row)) compares every column of its relation.
            bool whole_row = pg::Call(IsMember, 0, static_cast<const Bitmapset *>(node.used));
            std::vector<int> attnos;
            if (whole_row) {
                int natts = pg::Call(RelationNatts, node.relid);
                for (int a = 1; a <= natts; a++) attnos.push_back(a);
            } else {
                int attno = 0;
                while ((attno = pg::Call(NextMember, static_cast<const Bitmapset *>(node.used), attno)) >= 0)
                    attnos.push_back(attno);
            }
            program::UpdateProgram update;
            for (int attno : attnos) {
                TypeInfo type = pg::Call(ColumnType, node.relid, AttrNumber(attno));
                if (type.dropped) continue;
                program::Column c;
                c.attno = attno;
                c.compare = type.typbyval ? program::Compare::kWord : program::Compare::kByRef;
                c.typlen = type.typlen;
                c.structural = pg::Call(IsMember, attno, static_cast<const Bitmapset *>(node.structural));
                c.key = pg::Call(IsMember, attno, static_cast<const Bitmapset *>(node.keys));
                update.columns.push_back(c);
                update.natts = std::max(update.natts, attno);
            }
            update.conditional = node.conditional;
            program::KeyProgram key;
            for (int k = 0; k < node.nkeys; k++) {
                key.attnos.push_back(node.key_attnos[k]);
                key.natts = std::max(key.natts, static_cast<int>(node.key_attnos[k]));
            }
            set->whole_row.push_back(whole_row);
            set->updates.push_back(std::move(update));
            set->keys.push_back(std::move(key));
        }
        pg::Call(RegisterFree, tv->context, set);
    } catch (...) {
        delete set;
        throw;
    }
    tv->programs = set;
}

bool StartKernelRun(CompiledTview *tv, Oid source, ChangeKind kind) noexcept {
    try {
        ProgramSet *set = tv->programs;
        if (set == nullptr) return false;
        KernelKey key{source, static_cast<int>(kind)};
        int64 runs = ++set->runs[key];
        if (stats == nullptr) stats = new std::map<Oid, TviewStats>;
        TviewStats &ts = (*stats)[tv->tview];
        if (jit_enabled && set->state == ProgramSet::State::kInterpreted && runs - 1 >= jit_threshold)
            CompileSet(set, ts);
        bool compiled = jit_enabled && set->state == ProgramSet::State::kCompiled;
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
        const ProgramSet *set = tv->programs;
        if (!jit_enabled || set == nullptr || set->state == ProgramSet::State::kFailed) return false;
        if (set->state == ProgramSet::State::kCompiled) return true;
        auto it = set->runs.find(KernelKey{source, static_cast<int>(kind)});
        int64 runs = it == set->runs.end() ? 0 : it->second;
        return runs >= jit_threshold;
    } catch (...) {
        return false;
    }
}

int32 NodePrograms::Classify(const program::Word *old_values, const bool *old_nulls, const program::Word *new_values,
                             const bool *new_nulls, program::Word *changed) const {
    return update_fn != nullptr ? update_fn(old_values, old_nulls, new_values, new_nulls, changed)
                                : program::InterpretUpdate(*update, tviews_jit_datum_equal, old_values, old_nulls,
                                                           new_values, new_nulls, changed);
}

bool NodePrograms::Key(const program::Word *values, const bool *nulls, program::Word *out) const {
    return (key_fn != nullptr ? key_fn(values, nulls, out) : program::InterpretKey(*key, values, nulls, out)) != 0;
}

NodePrograms ProgramsOf(const CompiledTview *tv, int node, bool compiled) noexcept {
    NodePrograms k{};
    const ProgramSet *set = tv->programs;
    k.update = &set->updates[node];
    k.key = &set->keys[node];
    k.whole_row = set->whole_row[node];
    if (compiled && set->state == ProgramSet::State::kCompiled) {
        k.update_fn = set->update_fns[node];
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

// tiers.hpp: the two tiers of the refresh kernels, and which one runs.
//
// Regime: PostgreSQL side with C++ objects inside tiers.cpp; everything called from kernels is
// noexcept and never fails a statement. Each compiled TVIEW gets a KernelSet: for every node of
// its join tree, the per-row programs of src/kernel/program.hpp (how an update is classified, which
// key finds an inserted or deleted row's dependents). A kernel is (TVIEW, source, kind of change);
// it runs interpreted until it has run pg_tviews.jit_threshold times in this backend, then the
// TVIEW's kernels are compiled together to native code (src/jit) and run compiled from then on,
// unless pg_tviews.jit is off. A compilation failure is logged and leaves the TVIEW interpreted.
// The native code is released with the compiled TVIEW (invalidation) and at backend exit.
#pragma once

#include "kernel/program.hpp"
#include "runtime/kernel.hpp"

namespace tviews::runtime {

extern bool jit_enabled;
extern int jit_threshold;
void DefineJitSettings();

// Builds tv->kernels at the end of compiling a TVIEW (C++ regime: may throw).
void BuildKernelSet(CompiledTview *tv);

// The per-row programs of one node in one run, and their native code when the run is compiled.
struct RowKernels {
    const kernel::UpdateProgram *update;  // nullptr: the node reads whole rows (generic path)
    kernel::UpdateFn update_fn;           // nullptr: interpreted
    const kernel::KeyProgram *key;
    kernel::KeyFn key_fn;
};

// Counts one run of the kernel (tv, source, kind) and chooses its tier, compiling the TVIEW's
// kernels when this run reaches the threshold. True: the run is compiled.
bool StartKernelRun(CompiledTview *tv, Oid source, ChangeKind kind) noexcept;
RowKernels NodeKernels(const CompiledTview *tv, int node, bool compiled) noexcept;
// The tier the next run of the kernel would use (EXPLAIN without ANALYZE).
bool NextRunCompiled(const CompiledTview *tv, Oid source, ChangeKind kind) noexcept;

}  // namespace tviews::runtime

extern "C" {
// The comparison generated code calls for pass-by-reference columns (datumIsEqual).
int32_t tviews_jit_datum_equal(uint64_t a, uint64_t b, int32_t typlen);
}

// tiers.hpp: the two tiers of the refresh kernels, and which one runs.
//
// Regime: PostgreSQL side with C++ objects inside tiers.cpp; everything called from kernels is
// noexcept and never fails a statement. Each compiled TVIEW gets a ProgramSet: for every node of
// its join tree, the per-row programs of src/program/program.hpp (how an update is classified,
// which key finds an inserted or deleted row's dependents). A kernel is (TVIEW, source, kind of
// change); it runs interpreted until it has run pg_tviews.jit_threshold times in this backend,
// then the TVIEW's programs are compiled together to native code (src/jit) and run compiled from
// then on, unless pg_tviews.jit is off. A compilation failure is logged and leaves the TVIEW
// interpreted. The native code is released with the compiled TVIEW and at backend exit.
//
// Kernels never choose a tier themselves: they ask NodePrograms, which runs the native code when
// the run is compiled and the interpreter otherwise. Both give identical results.
#pragma once

#include "program/program.hpp"
#include "runtime/compiled_tview.hpp"

extern "C" {
// The comparison generated code calls for pass-by-reference columns (datumIsEqual).
int32_t tviews_jit_datum_equal(uint64_t a, uint64_t b, int32_t typlen);
}

namespace tviews::runtime {

extern bool jit_enabled;   // pg_tviews.jit
extern int jit_threshold;  // pg_tviews.jit_threshold

// Builds tv->programs at the end of compiling a TVIEW (C++ regime: may throw).
void BuildProgramSet(CompiledTview *tv);

// The per-row programs of one node in one kernel run, in the run's tier.
struct NodePrograms {
    const program::UpdateProgram *update;
    program::UpdateFn update_fn;  // nullptr: interpreted
    const program::KeyProgram *key;
    program::KeyFn key_fn;
    bool whole_row;               // the TVIEW reads whole rows of the node (to_jsonb(row))

    // What an update of a row means for the TVIEW (a program::Verdict), and which of the columns
    // it reads changed (`changed`: program::ChangedWords(update->natts) words). Reads the deformed
    // values up to update->natts.
    int32 Classify(const program::Word *old_values, const bool *old_nulls, const program::Word *new_values,
                   const bool *new_nulls, program::Word *changed) const;
    // The values that find a row's dependents: the root's key, or the key the node's edge joins
    // on. False if one is NULL. Reads the deformed values up to key->natts.
    bool Key(const program::Word *values, const bool *nulls, program::Word *out) const;
};

// Counts one run of the kernel (tv, source, kind) and chooses its tier, compiling the TVIEW's
// programs when this run reaches the threshold. True: the run is compiled.
bool StartKernelRun(CompiledTview *tv, Oid source, ChangeKind kind) noexcept;
NodePrograms ProgramsOf(const CompiledTview *tv, int node, bool compiled) noexcept;
// The tier the next run of the kernel would use (EXPLAIN without ANALYZE).
bool NextRunCompiled(const CompiledTview *tv, Oid source, ChangeKind kind) noexcept;

}  // namespace tviews::runtime

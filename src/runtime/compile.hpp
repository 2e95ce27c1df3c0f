// compile.hpp: building a CompiledTview from the catalog.
//
// Regime: C++ (throws tviews::Error; the caller is guarded or inside pg::Call-aware C++ code).
#pragma once

#include "catalog/catalog.hpp"
#include "runtime/compiled_tview.hpp"

namespace tviews::runtime {

// Fills `tv` (allocated in its own context, tv->tview set) from the TVIEW's catalog row: plans
// the definition, resolves every index the kernels scan, compiles the expressions and the
// subqueries, and builds the per-row programs. Throws when the definition can no longer be
// maintained (a lost unique index, a detached TVIEW).
void CompileTview(CompiledTview *tv, const catalog::TviewRow *row);

}  // namespace tviews::runtime

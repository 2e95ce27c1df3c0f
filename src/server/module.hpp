// module.hpp: process-wide state of the loaded library.
//
// Regime: PostgreSQL side.
#pragma once

namespace tviews::server {

// True when the library was loaded by shared_preload_libraries (hooks are installed from the
// postmaster on, in every backend). CREATE EXTENSION refuses to run otherwise.
bool Preloaded();

void InstallHooks();
void InstallExplainHooks();  // explain.cpp
void AttachRestoredTviews();  // restore.cpp: after each utility statement in restore mode

}  // namespace tviews::server

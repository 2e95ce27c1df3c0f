// settings.hpp: the settings a TVIEW's maintenance is pinned to.
//
// Regime: PostgreSQL side, C-style. The JSON builders and casts to text are STABLE: their output
// depends on TimeZone (timestamptz), DateStyle, IntervalStyle, extra_float_digits and
// bytea_output. pg_tviews records these settings when a TVIEW is created and applies them (with a
// safe search_path) whenever it maintains, refreshes or verifies it, so every writer produces the
// same rows whatever its own session settings are.
#pragma once

#include "boundary/pg.hpp"

namespace tviews::definition {

// The current values of the pinned settings, as "name=value" lines.
char *CapturePinnedSettings();

// Opens a GUC nest level with `settings` applied and search_path = pg_catalog, pg_temp; returns
// the nest level to pass to AtEOXact_GUC(false, level) when done.
int ApplyPinnedSettings(const char *settings);

}  // namespace tviews::definition

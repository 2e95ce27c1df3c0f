// refresh.hpp: whole-TVIEW operations: rebuilding a TVIEW from its definition and counting how
// it differs from it.
//
// Regime: PostgreSQL side, C-style. These use SPI: they are DDL-like (pg_tviews_refresh(),
// TRUNCATE of a source, pg_tviews_verify()), not the write path. They run inside a maintenance
// scope the caller opened (maintain.hpp).
#pragma once

#include "boundary/pg.hpp"

namespace tviews::runtime {

// Rebuilds the TVIEW from its definition (delete all rows, insert the query's).
void FullRefresh(Oid tview, const char *definition);

// Rows of the TVIEW that differ from its definition (0 when consistent).
int64 CountDifferences(Oid tview, const char *definition);

}  // namespace tviews::runtime

// relations.hpp: facts about the relations TVIEWs read that creation and maintenance both need,
// stated once.
//
// Regime: PostgreSQL side, C-style (palloc'd results; may ereport).
#pragma once

#include "boundary/pg.hpp"

extern "C" {
#include "access/attnum.h"
}

namespace tviews::catalog {

// schema.name, quoted as SQL needs it: for messages and for the SQL pg_tviews generates.
char *QualifiedName(Oid relid);

// The lookup rule: the first valid, non-partial btree index of `relid` whose first `n` key
// columns are exactly `attnos` (in any order); with `unique`, a unique index of exactly those
// columns. InvalidOid when there is none. Maintenance finds the rows depending on a changed row
// through such indexes, and creation makes the missing ones.
Oid FindLookupIndex(Oid relid, const AttrNumber *attnos, int n, bool unique);

}  // namespace tviews::catalog

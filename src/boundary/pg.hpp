// pg.hpp: the one way PostgreSQL-side files include the server's headers: the base headers
// (pg_base.hpp) and the version boundary (compat.hpp: server APIs whose spelling differs between
// 15, 17 and 18).
//
// Regime: PostgreSQL side. Include this first, before any C++ standard header (see pg_base.hpp).
#pragma once

#include "boundary/pg_base.hpp"
#include "boundary/compat.hpp"

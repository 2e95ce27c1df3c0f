// query_shape.hpp: the server's front end to the planner: an analyzed query becomes a QueryShape.
//
// Regime: PostgreSQL side. Views and simple subqueries in FROM are expanded (the rewriter's own
// expansion, then flattened here), so every expression ends up reading base tables only: in the
// flattened expressions a Var's varno is the relation's index in the shape plus one.
#pragma once

#include "boundary/pg.hpp"
#include "planner/shape.hpp"

extern "C" {
#include "nodes/parsenodes.h"
}

#include <vector>

namespace tviews::definition {

struct AnalyzedDefinition {
    planner::QueryShape shape;
    std::vector<Node *> nodes;      // shape handle -> flattened expression (palloc'd)
    std::vector<Oid> relids;        // shape relation index -> pg_class OID
    std::vector<Oid> views;         // views the definition reads (dependencies)
};

// `query` is an analyzed, not yet rewritten SELECT (as CREATE TABLE AS gets it). Not modified.
AnalyzedDefinition AnalyzeDefinition(const Query *query);

}  // namespace tviews::definition

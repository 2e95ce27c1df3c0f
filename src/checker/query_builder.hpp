// query_builder.hpp: a TVIEW's defining SELECT (libpg_query parse tree) -> planner::QueryShape.
//
// Regime: pure C++. The server builds the QueryShape from its analyzed, rewritten query
// (src/definition/query_shape.cpp); the checker builds the same shape from the parse tree and
// its model of the database (model.hpp): names resolved as PostgreSQL resolves them, views and
// subqueries of FROM flattened as the rewriter does, * expanded, and the same constructs noted
// as unsupported with the same names, so that the one planner gives the same verdict.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "checker/json.hpp"
#include "checker/model.hpp"
#include "planner/shape.hpp"

namespace tviews::checker {

// A problem the server would report while analyzing the query (a relation or column that does
// not exist, ...), with its SQLSTATE; "" when only the checker has the problem.
struct CheckProblem : std::runtime_error {
    int location;
    std::string state;  // the server's SQLSTATE for the same problem, "" when only the checker has it
    CheckProblem(const std::string &what, int loc, std::string sqlstate = "")
        : std::runtime_error(what), location(loc), state(std::move(sqlstate)) {}
};

struct DescribedQuery {
    std::vector<int> tables;         // per shape relation: its index in Schema::tables
    std::vector<std::string> types;  // per select list column, as format_type_be prints it ("" unknown)
};

// Fills `shape` from `select`; throws CheckProblem.
DescribedQuery DescribeQuery(const Schema &schema, planner::QueryShape &shape, const Json &select);

}  // namespace tviews::checker

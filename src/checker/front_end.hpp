// front_end.hpp: the checker's front end: SQL files -> schema -> QueryShape per TVIEW.
//
// Regime: pure C++ (libpg_query in the .cpp; no server). The server has its analyzed query and
// the catalog; the checker has only the files: it reads the schema they create (CREATE TABLE
// with its keys and NOT NULLs, ALTER TABLE ... ADD CONSTRAINT, CREATE UNIQUE INDEX, CREATE
// FUNCTION with its volatility) and the TVIEW definitions (CREATE TABLE ... USING tview_am AS
// and SELECT pg_tviews_create('name', 'query')), resolves names the way PostgreSQL would, and
// describes each definition as the same QueryShape the server's front end produces, so the one
// planner (src/planner) gives the verdict.
#pragma once

#include <string>
#include <vector>

#include "planner/shape.hpp"

namespace tviews::checker {

struct Location {
    std::string file;
    int line = 0;
    int column = 0;
};

struct TviewDefinition {
    std::string name;          // schema-qualified when written so
    Location at;               // the statement
    std::string sql;           // the defining SELECT
    int sql_offset = 0;        // where `sql` starts in its file (for locations inside it)
    std::string file_text;     // the file (to turn offsets into lines)
    planner::QueryShape shape;
    std::vector<std::vector<std::vector<int>>> relation_indexes;  // per shape relation: its indexes' columns
    std::vector<std::string> problems;  // the checker could not describe it (names not found, ...)
};

struct Input {
    std::string file;
    std::string text;
};

struct CheckedFiles {
    std::vector<TviewDefinition> tviews;
    std::vector<std::string> errors;   // files that do not parse, with file:line:column
};

CheckedFiles ReadFiles(const std::vector<Input> &inputs);

// file:line:column of `offset` in `text`.
Location LocationOf(const std::string &file, const std::string &text, int offset);

}  // namespace tviews::checker

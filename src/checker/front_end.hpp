// front_end.hpp: the checker's front end: SQL files -> schema -> QueryShape per TVIEW.
//
// Regime: pure C++ (libpg_query in the .cpp; no server). The server has its analyzed query and
// the catalog; the checker has only the files, read in order as a migration runs them: it keeps
// a model of the database they build (schemas and search_path, tables with their columns, types,
// keys, NOT NULLs and indexes, views, materialized views, foreign and temporary tables, functions
// with their volatility, roles with their grants and row-level security, ALTER, DROP, RENAME,
// transactions that roll back) and the TVIEW definitions (CREATE TABLE ... USING tview_am AS and
// SELECT pg_tviews_create('name', 'query')). It resolves names the way PostgreSQL would and
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
    std::string qualified_name;  // schema.name where it is created (as Relation::qualified_name)
    Location at;               // the statement
    std::string sql;           // the defining SELECT
    int sql_offset = 0;        // where `sql` starts in its file (for locations inside it)
    std::string file_text;     // the file (to turn offsets into lines)
    planner::QueryShape shape;
    std::vector<std::string> column_types;  // per select list column, as format_type_be prints it, "" unknown
    bool alter = false;        // pg_tviews_alter(): a new definition of the existing TVIEW `name`
    std::vector<std::vector<std::vector<int>>> relation_indexes;  // per shape relation: its indexes' columns
    // Why the definition could not be described: "file:line:column: message". When the server
    // would refuse it for that same reason (a relation or column that does not exist, a name
    // taken, a bad argument), problem_state is the SQLSTATE it gives and problem_message its
    // message; an empty problem_state means the checker itself cannot tell.
    std::vector<std::string> problems;
    std::string problem_state;
    std::string problem_message;
    std::string problem_detail;
    Location problem_at;
    bool skipped = false;  // CREATE TABLE IF NOT EXISTS of a name that exists: nothing is created
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

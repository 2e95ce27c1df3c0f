// front_end.hpp: the checker's front end: SQL files -> TVIEW definitions -> QueryShape each.
//
// Regime: pure C++ (libpg_query in the .cpp; no server). The server has its analyzed query and
// the catalog; the checker has only the files, read in order as a migration runs them. Each
// statement either changes the model of the database (model.hpp: schemas, tables, views,
// functions, roles, grants, transactions) or is a TVIEW definition (CREATE TABLE ... USING
// tview_am AS, SELECT pg_tviews_create('name', 'query'), SELECT pg_tviews_alter('tview',
// 'query')). A definition first meets the checks the server makes before planning (the name, the
// schema, the arguments, the owner), then its query becomes the same QueryShape the server's
// front end produces (query_builder.hpp), so the one planner (src/planner) gives the verdict.
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

// The PostgreSQL grammar the checker parses: libpg_query's version of the server's parser
// ("17.4"), fixed when the checker is built.
std::string GrammarVersion();

// file:line:column of `offset` in `text`.
Location LocationOf(const std::string &file, const std::string &text, int offset);

}  // namespace tviews::checker

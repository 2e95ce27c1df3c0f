// front_end.cpp: see front_end.hpp.
#include "checker/front_end.hpp"

#include <algorithm>
#include <cctype>

#include "checker/json.hpp"
#include "checker/model.hpp"
#include "checker/query_builder.hpp"
#include "planner/planner.hpp"

extern "C" {
#include <pg_query.h>
}

namespace tviews::checker {

namespace {

using planner::TargetColumn;

Json Parse(const std::string &sql, std::string *error, int *error_at) {
    PgQueryParseResult r = pg_query_parse(sql.c_str());
    Json tree;
    if (r.error != nullptr) {
        *error = r.error->message;
        *error_at = r.error->cursorpos > 0 ? r.error->cursorpos - 1 : 0;
    } else {
        tree = ParseJson(r.parse_tree);
    }
    pg_query_free_parse_result(r);
    return tree;
}

void Problem(TviewDefinition &def, int offset, const std::string &state, const std::string &message) {
    Location at = LocationOf(def.at.file, def.file_text, offset);
    def.problems.push_back(at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + message);
    if (def.problems.size() == 1) {
        def.problem_state = state;
        def.problem_message = message;
        def.problem_at = at;
    }
}

void Describe(const Schema &schema, TviewDefinition &def, const Json &select, std::vector<int> *reads) {
    try {
        DescribedQuery described = DescribeQuery(schema, def.shape, select);
        def.column_types = described.types;
        for (int t : described.tables) {
            def.relation_indexes.push_back(schema.tables[t].indexes);
            reads->push_back(t);
        }
    } catch (const CheckProblem &p) {
        Problem(def, def.sql_offset + std::max(p.location, 0), p.state, p.what());
    }
}

// Registers a TVIEW as a table for the statements after it (TVIEWs over TVIEWs, DROP, names
// taken), once the planner accepts it as the server would.
void AddTview(Schema &schema, const TviewDefinition &def, const std::string &schema_name, const std::string &name,
              bool temporary, const std::vector<int> &reads) {
    if (!def.problems.empty()) return;
    planner::PlanResult result = planner::PlanForCreate(def.shape);
    auto *plan = std::get_if<planner::RefreshPlan>(&result);
    if (plan == nullptr) return;
    Table t;
    t.schema = schema_name;
    t.name = name;
    t.tview = true;
    t.temporary = temporary;
    t.owner = schema.role;
    t.reads = reads;
    for (size_t i = 0; i < def.shape.targets.size(); i++) {
        t.columns.push_back(def.shape.targets[i].name);
        t.types.push_back(i < def.column_types.size() ? def.column_types[i] : "");
        t.notnull.push_back(false);
    }
    std::vector<int> key;
    for (int c : plan->key_columns) {
        key.push_back(c + 1);
        t.notnull[c] = true;
    }
    t.uniques.push_back(key);
    t.indexes.push_back(key);
    t.primary_key = 0;
    schema.tables.push_back(std::move(t));
}

// Splits a pg_tviews_create() name as stringToQualifiedNameList does; false with the server's
// error when it is not a valid name.
bool SplitName(const std::string &text, std::vector<std::string> *parts, std::string *state, std::string *message) {
    std::string cur;
    bool quoted = false, any = false;
    for (size_t i = 0; i <= text.size(); i++) {
        char c = i < text.size() ? text[i] : '.';
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cur += '"';
                i++;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            any = true;
        } else if (c == '.') {
            if (cur.empty() && !any) {
                *state = "42602";
                *message = "invalid name syntax";
                return false;
            }
            parts->push_back(cur);
            cur.clear();
            any = false;
        } else if (!std::isspace(static_cast<unsigned char>(c))) {
            cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            any = true;
        }
    }
    if (quoted || parts->empty()) {  // an unterminated quoted identifier
        *state = "42602";
        *message = "invalid name syntax";
        return false;
    }
    if (parts->size() > 3) {
        *state = "42601";
        *message = "improper relation name (too many dotted names): " + text;
        return false;
    }
    return true;
}

// A constant string argument (possibly cast), or nullptr for NULL; `ok` false when not a constant.
const Json *StringArg(const Json &arg, bool *ok, bool *is_null) {
    const Json *a = &arg;
    while (a->node_type() == "TypeCast") a = &a->node()["arg"];
    *ok = a->node_type() == "A_Const";
    *is_null = *ok && a->node()["isnull"].kind == Json::Kind::kBool && a->node()["isnull"].boolean;
    return *ok && !*is_null ? &a->node()["sval"]["sval"] : nullptr;
}

// The SELECT of a pg_tviews_create() / pg_tviews_alter() query argument (`arg`, a constant
// string), or nullptr with the server's problem recorded: a syntax error, or not exactly one
// SELECT (`not_one_select`, each function's message). `tree` keeps the parse tree alive.
const Json *QueryArgument(TviewDefinition &def, const Json &arg, int offset, const std::string &not_one_select,
                          Json *tree) {
    const Json *a = &arg;
    while (a->node_type() == "TypeCast") a = &a->node()["arg"];
    def.sql = a->node()["sval"]["sval"].str();
    def.sql_offset = a->node()["location"].integer(offset) + 1;
    std::string error;
    int error_at = 0;
    *tree = Parse(def.sql, &error, &error_at);
    if (!error.empty()) {
        Problem(def, def.sql_offset + error_at, "42601", error);
        return nullptr;
    }
    const Json &stmts = (*tree)["stmts"];
    if (stmts.array.size() != 1 || stmts.at(0)["stmt"].node_type() != "SelectStmt") {
        Problem(def, def.sql_offset, "22023", not_one_select);
        return nullptr;
    }
    return &stmts.at(0)["stmt"]["SelectStmt"];
}

}  // namespace

Location LocationOf(const std::string &file, const std::string &text, int offset) {
    Location at{file, 1, 1};
    for (int i = 0; i < offset && i < static_cast<int>(text.size()); i++) {
        if (text[i] == '\n') {
            at.line++;
            at.column = 1;
        } else {
            at.column++;
        }
    }
    return at;
}

namespace {

// A TVIEW definition: `name` as written, its query, where the name goes. Checks what the
// server checks before the planner (the name, the schema) and registers an accepted TVIEW.
void Define(Schema &schema, TviewDefinition &def, int offset, std::string sname, const std::string &rname,
            bool temporary, bool if_not_exists, const Json *select, std::vector<TviewDefinition> &out) {
    if (temporary) sname = "pg_temp";
    def.shape.temporary = temporary;
    if (sname.empty()) sname = schema.CreationSchema();
    def.qualified_name = Quote(sname) + "." + Quote(rname);
    if (sname.empty()) {
        Problem(def, offset, "3F000", "no schema has been selected to create in");
    } else if (!schema.schemas.count(sname)) {
        Problem(def, offset, "3F000", "schema \"" + sname + "\" does not exist");
    } else if (schema.Lookup(sname, rname) != -1) {
        if (if_not_exists) {
            def.skipped = true;
            def.problem_message = "relation \"" + rname + "\" already exists, skipping";
        } else {
            Problem(def, offset, "42P07", "relation \"" + rname + "\" already exists");
        }
    }
    std::vector<int> reads;
    if (def.problems.empty() && !def.skipped && select != nullptr) {
        Describe(schema, def, *select, &reads);
        AddTview(schema, def, sname, rname, temporary, reads);
    }
    out.push_back(std::move(def));
}

// pg_tviews_alter(tview, query): the new query must keep the TVIEW's columns (names and types,
// as far as the checker knows them) and key, and pass the planner, as on the server.
void Alter(Schema &schema, TviewDefinition &def, int offset, const std::string &tview_name, const Json &query_arg,
           std::vector<TviewDefinition> &out) {
    def.alter = true;
    std::vector<std::string> parts;
    std::string state, message;
    int t = -1;
    if (!SplitName(tview_name, &parts, &state, &message)) {
        Problem(def, offset, state, message);
    } else if ((t = schema.Lookup(parts.size() >= 2 ? parts[parts.size() - 2] : "", parts.back())) == -1) {
        Problem(def, offset, "42P01", "relation \"" + tview_name + "\" does not exist");
    } else if (t <= -2 || !schema.tables[t].tview) {
        Problem(def, offset, "42809", "\"" + parts.back() + "\" is not a TVIEW");
    } else if (!schema.Bypasses() && schema.tables[t].owner != schema.role) {
        Problem(def, offset, "42501", "must be owner of TVIEW " + parts.back());
    }
    Json tree;
    const Json *select = def.problems.empty()
                             ? QueryArgument(def, query_arg, offset, "a TVIEW definition must be exactly one SELECT", &tree)
                             : nullptr;
    if (select == nullptr) {
        out.push_back(std::move(def));
        return;
    }
    std::vector<int> reads;
    Describe(schema, def, *select, &reads);
    Table &tview = schema.tables[t];
    def.qualified_name = tview.Qualified();
    def.shape.temporary = tview.temporary;
    if (def.problems.empty()) {
        std::vector<int> live;
        for (size_t i = 0; i < tview.columns.size(); i++)
            if (!tview.columns[i].empty()) live.push_back(static_cast<int>(i));
        std::string why;
        if (live.size() != def.shape.targets.size()) {
            why = "The TVIEW has " + std::to_string(live.size()) + " columns, the new definition " +
                  std::to_string(def.shape.targets.size()) + ".";
        } else {
            for (size_t i = 0; i < live.size() && why.empty(); i++) {
                const std::string &name = tview.columns[live[i]], &type = tview.types[live[i]];
                const std::string &new_name = def.shape.targets[i].name, &new_type = def.column_types[i];
                if (name != new_name || (!type.empty() && !new_type.empty() && type != new_type))
                    why = "Column " + std::to_string(live[i] + 1) + " is " + Quote(name) + " " + type +
                          " in the TVIEW and " + Quote(new_name) + " " + new_type + " in the new definition.";
            }
        }
        if (!why.empty()) {
            Problem(def, offset, "42P16", "the new definition of TVIEW " + tview.name + " has other columns");
            def.problems.back() += " (" + why + ")";
            def.problem_detail = why;
        }
    }
    if (def.problems.empty()) {
        planner::PlanResult result = planner::PlanForCreate(def.shape);
        if (auto *plan = std::get_if<planner::RefreshPlan>(&result)) {
            std::vector<int> key;
            for (int c : plan->key_columns) key.push_back(c + 1);
            if (tview.primary_key < 0 || key != tview.uniques[tview.primary_key])
                Problem(def, offset, "42P16", "the new definition of TVIEW " + tview.name + " has another key");
            else
                tview.reads = reads;
        }
    }
    out.push_back(std::move(def));
}

// A plain CREATE TABLE AS or CREATE MATERIALIZED VIEW: its columns are the query's, resolved as for
// a TVIEW definition (* expanded, names and types). A query the checker cannot resolve leaves a
// table with the select list's explicit names.
void CreateTableAs(Database &db, const Json &n) {
    std::vector<std::string> columns, types;
    const Json &select = n["query"]["SelectStmt"];
    if (n["query"].node_type() == "SelectStmt") {
        try {
            planner::QueryShape shape;
            types = DescribeQuery(db.schema, shape, select).types;
            for (const planner::TargetColumn &t : shape.targets) columns.push_back(t.name);
        } catch (const CheckProblem &) {
            columns.clear();
            types.clear();
            for (const Json &t : select["targetList"].array) {
                const Json &rt = t["ResTarget"];
                std::string name = rt["name"].str();
                if (name.empty() && rt["val"].node_type() == "ColumnRef") name = StringValue(rt["val"].node()["fields"].array.back());
                columns.push_back(name.empty() ? "?column?" : name);
            }
        }
    }
    db.CreateTableAs(n, columns, types);
}

}  // namespace

CheckedFiles ReadFiles(const std::vector<Input> &inputs) {
    CheckedFiles out;
    Database db;
    Schema &schema = db.schema;
    for (const Input &in : inputs) {
        std::string error;
        int error_at = 0;
        Json tree = Parse(in.text, &error, &error_at);
        if (!error.empty()) {
            Location at = LocationOf(in.file, in.text, error_at);
            out.errors.push_back(at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + error);
            continue;
        }
        for (const Json &raw : tree["stmts"].array) {
            int offset = raw["stmt_location"].integer(0);
            while (offset < static_cast<int>(in.text.size()) && std::isspace(static_cast<unsigned char>(in.text[offset])))
                offset++;
            std::string type = raw["stmt"].node_type();
            const Json &n = raw["stmt"].node();
            if (db.Apply(type, n)) continue;
            if (type == "CreateTableAsStmt" && n["into"]["accessMethod"].str() != "tview_am") {
                CreateTableAs(db, n);
                continue;
            }
            if (type == "CreateTableAsStmt" && n["into"]["accessMethod"].str() == "tview_am") {
                TviewDefinition def;
                const Json &rel = n["into"]["rel"];
                std::string sname = rel["schemaname"].str(), rname = rel["relname"].str();
                def.name = sname.empty() ? rname : sname + "." + rname;
                def.at = LocationOf(in.file, in.text, offset);
                def.file_text = in.text;
                def.sql_offset = 0;  // locations inside the query are offsets in the file
                bool temporary = rel["relpersistence"].str() == "t";
                bool if_not_exists = n["if_not_exists"].kind == Json::Kind::kBool && n["if_not_exists"].boolean;
                if (n["objtype"].str() == "OBJECT_MATVIEW") {
                    Problem(def, offset, "0A000", "a materialized view cannot be stored by tview_am");
                } else if (n["query"].node_type() != "SelectStmt") {
                    Problem(def, offset, "0A000", "a TVIEW must be defined by a SELECT query");
                }
                if (!def.problems.empty()) {
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                Define(schema, def, offset, sname, rname, temporary, if_not_exists, &n["query"]["SelectStmt"], out.tviews);
            } else if (type == "SelectStmt") {
                // SELECT pg_tviews_create('name', 'query') or pg_tviews_alter('tview', 'query')
                const Json &target = n["targetList"].at(0)["ResTarget"]["val"];
                if (target.node_type() != "FuncCall") continue;
                std::vector<std::string> fname = Names(target.node()["funcname"]);
                std::string function = fname.empty() ? "" : Lower(fname.back());
                if (function != "pg_tviews_create" && function != "pg_tviews_alter") continue;
                bool alter = function == "pg_tviews_alter";
                const Json &args = target.node()["args"];
                TviewDefinition def;
                def.at = LocationOf(in.file, in.text, offset);
                def.file_text = in.text;
                bool name_ok = false, name_null = false, query_ok = false, query_null = false;
                const Json *name = StringArg(args.at(0), &name_ok, &name_null);
                StringArg(args.at(1), &query_ok, &query_null);
                def.name = name != nullptr ? name->str() : "";
                if (!name_ok || !query_ok || args.array.size() != 2) {
                    def.problems.push_back(function + "() with arguments that are not constants");
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                if (name_null || query_null) {
                    Problem(def, offset, "22004", alter ? "pg_tviews_alter() needs a TVIEW and a query"
                                                        : "pg_tviews_create() needs a name and a query");
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                if (alter) {
                    Alter(schema, def, offset, def.name, args.at(1), out.tviews);
                    continue;
                }
                std::vector<std::string> parts;
                std::string state, message;
                Json tree;
                const Json *select = nullptr;
                if (!SplitName(def.name, &parts, &state, &message))
                    Problem(def, offset, state, message);
                else
                    select = QueryArgument(def, args.at(1), offset, "pg_tviews_create() needs exactly one SELECT query", &tree);
                if (select == nullptr) {
                    out.tviews.push_back(std::move(def));
                    continue;
                }
                std::string sname = parts.size() >= 2 ? parts[parts.size() - 2] : "";
                Define(schema, def, offset, sname, parts.back(), false, false, select, out.tviews);
            }
        }
    }
    return out;
}

std::string GrammarVersion() { return PG_VERSION; }

}  // namespace tviews::checker

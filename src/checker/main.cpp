// main.cpp: pg_tviews_check, TVIEW definitions checked without a server.
//
// Usage: pg_tviews_check [--json] [--dot] FILE...      pg_tviews_check --version
// Reads the schema and the TVIEW definitions of the SQL files (in order, as one migration) and
// says for each TVIEW whether pg_tviews will accept it, with the same reason and SQLSTATE the
// server gives when it refuses, its sources and join keys, and the indexes maintenance needs
// that the files do not create (the server creates them, with a NOTICE). --json prints one JSON
// document for CI; --dot the dependencies between tables and TVIEWs as Graphviz DOT.
// Exit status: 0 every TVIEW accepted, 1 a TVIEW refused or not understood, 2 usage or a file
// that does not parse or cannot be read.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>

#include "checker/front_end.hpp"
#include "planner/planner.hpp"

#ifndef PG_TVIEWS_VERSION
#define PG_TVIEWS_VERSION "unknown"
#endif

using namespace tviews;

namespace {

std::string JsonString(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    snprintf(buf, sizeof(buf), "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string Columns(const planner::Relation &rel, const std::vector<int> &attnos) {
    std::string out;
    for (int a : attnos) out += (out.empty() ? "" : ", ") + (a > 0 && a <= static_cast<int>(rel.attnames.size()) ? rel.attnames[a - 1] : "?");
    return out;
}

struct Report {
    std::string name, where, verdict, sqlstate, message, detail, hint;
    std::vector<std::string> sources, joins, indexes;
};

bool Covered(const std::vector<std::vector<int>> &indexes, const std::vector<int> &cols) {
    for (const auto &index : indexes) {
        if (index.size() < cols.size()) continue;
        bool ok = true;
        for (size_t i = 0; i < cols.size(); i++) ok &= std::find(cols.begin(), cols.end(), index[i]) != cols.end();
        if (ok) return true;
    }
    return false;
}

Report Check(const checker::TviewDefinition &def) {
    Report r;
    r.name = def.name;
    r.where = def.at.file + ":" + std::to_string(def.at.line) + ":" + std::to_string(def.at.column);
    if (def.skipped) {
        r.verdict = "skipped";
        r.message = def.problem_message;
        return r;
    }
    if (!def.problems.empty()) {
        // A reason the server gives too (refused), or one only the checker has (not understood).
        r.verdict = def.problem_state.empty() ? "error" : "refused";
        r.sqlstate = def.problem_state;
        r.message = def.problem_state.empty() ? def.problems.front() : def.problem_message;
        r.detail = def.problem_detail;
        if (!def.problem_state.empty())
            r.where = def.problem_at.file + ":" + std::to_string(def.problem_at.line) + ":" + std::to_string(def.problem_at.column);
        return r;
    }
    planner::PlanResult result = planner::PlanForCreate(def.shape);
    if (auto *refusal = std::get_if<planner::Refusal>(&result)) {
        r.verdict = "refused";
        r.sqlstate = refusal->state.c_str();
        r.message = refusal->message;
        r.detail = refusal->detail;
        r.hint = refusal->hint;
        if (refusal->location >= 0) {
            checker::Location at = checker::LocationOf(def.at.file, def.file_text, def.sql_offset + refusal->location);
            r.where = at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
        }
        return r;
    }
    const planner::RefreshPlan &plan = std::get<planner::RefreshPlan>(result);
    r.verdict = "accepted";
    for (const planner::PlanNode &node : plan.nodes) {
        const planner::Relation &rel = def.shape.relations[node.rel];
        std::string role = node.parent < 0 ? "root" : node.scope > 0 ? "aggregated" : node.left_join ? "left join" : "join";
        r.sources.push_back(rel.name + " (" + role + ")");
        if (node.parent < 0) continue;
        const planner::Relation &parent = def.shape.relations[plan.nodes[node.parent].rel];
        r.joins.push_back(parent.name + " (" + Columns(parent, node.parent_attnos) + ") = " + rel.name + " (" +
                          Columns(rel, node.key_attnos) + ")");
        // Lineage walks the edge backwards: the parent's columns on a to-one edge, the child's
        // correlation columns on a to-many one, must be indexed.
        bool to_many = node.scope > 0 && plan.nodes[node.parent].scope != node.scope;
        const planner::Relation &indexed = to_many ? rel : parent;
        int indexed_rel = to_many ? node.rel : plan.nodes[node.parent].rel;
        const std::vector<int> &cols = to_many ? node.key_attnos : node.parent_attnos;
        std::string index = indexed.name + " (" + Columns(indexed, cols) + ")";
        if (!Covered(def.relation_indexes[indexed_rel], cols) &&
            std::find(r.indexes.begin(), r.indexes.end(), index) == r.indexes.end())
            r.indexes.push_back(index);
    }
    return r;
}

}  // namespace

int main(int argc, char **argv) {
    bool json = false, dot = false;
    std::vector<checker::Input> inputs;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        if (arg == "--json") json = true;
        else if (arg == "--dot") dot = true;
        else if (arg == "--version") {
            std::cout << "pg_tviews_check " << PG_TVIEWS_VERSION << ": PostgreSQL " << checker::GrammarVersion()
                      << " grammar (libpg_query)\n";
            return 0;
        } else if (arg == "--help" || arg == "-h") {
            std::cout << "usage: pg_tviews_check [--json] [--dot] FILE...\n       pg_tviews_check --version\n";
            return 0;
        } else {
            std::ifstream in(arg);
            if (!in) {
                std::cerr << "pg_tviews_check: cannot read " << arg << "\n";
                return 2;
            }
            std::stringstream text;
            text << in.rdbuf();
            inputs.push_back({arg, text.str()});
        }
    }
    if (inputs.empty()) {
        std::cerr << "usage: pg_tviews_check [--json] [--dot] FILE...\n";
        return 2;
    }
    checker::CheckedFiles files = checker::ReadFiles(inputs);
    std::vector<Report> reports;
    for (const checker::TviewDefinition &def : files.tviews) reports.push_back(Check(def));
    // The definition each TVIEW ends with: the last accepted one of its name (a pg_tviews_alter()
    // or a re-creation after DROP replaces the earlier one).
    std::vector<bool> current(files.tviews.size(), false);
    for (size_t i = 0; i < files.tviews.size(); i++) {
        if (reports[i].verdict != "accepted") continue;
        current[i] = true;
        for (size_t j = 0; j < i; j++)
            if (current[j] && files.tviews[j].qualified_name == files.tviews[i].qualified_name) current[j] = false;
    }
    // Dependency order of the TVIEWs: a TVIEW after the TVIEWs it reads (a stable topological
    // order of the files' order).
    std::vector<std::string> order;
    {
        std::vector<bool> placed(files.tviews.size(), false);
        for (size_t round = 0; round < files.tviews.size(); round++)
            for (size_t i = 0; i < files.tviews.size(); i++) {
                if (placed[i] || !current[i]) continue;
                bool ready = true;
                for (const planner::Relation &rel : files.tviews[i].shape.relations)
                    for (size_t j = 0; j < files.tviews.size(); j++)
                        if (!placed[j] && j != i && current[j] && rel.kind == planner::Relation::Kind::kTview &&
                            rel.qualified_name == files.tviews[j].qualified_name)
                            ready = false;
                if (ready) {
                    placed[i] = true;
                    order.push_back(files.tviews[i].name);
                }
            }
    }
    int status = files.errors.empty() ? 0 : 2;
    for (const Report &r : reports)
        if (r.verdict != "accepted" && r.verdict != "skipped" && status == 0) status = 1;

    if (dot) {
        // Nodes are named schema.name (a TVIEW read by another is the same node); a refused
        // definition is a red node of its own, at its file position.
        std::cout << "digraph tviews {\n  rankdir=LR;\n";
        for (size_t i = 0; i < files.tviews.size(); i++) {
            const checker::TviewDefinition &def = files.tviews[i];
            if (reports[i].verdict == "skipped" || (reports[i].verdict == "accepted" && !current[i])) continue;
            bool accepted = reports[i].verdict == "accepted";
            std::string id = accepted ? def.qualified_name : def.name + " @ " + reports[i].where;
            std::cout << "  " << JsonString(id) << " [shape=box, label=" << JsonString(def.name)
                      << (accepted ? "" : ", color=red") << "];\n";
            for (const planner::Relation &rel : def.shape.relations)
                std::cout << "  " << JsonString(rel.qualified_name) << " [label=" << JsonString(rel.name) << "];\n  "
                          << JsonString(rel.qualified_name) << " -> " << JsonString(id) << ";\n";
        }
        std::cout << "}\n";
        return status;
    }
    if (json) {
        std::cout << "{\"errors\": [";
        for (size_t i = 0; i < files.errors.size(); i++) std::cout << (i ? ", " : "") << JsonString(files.errors[i]);
        std::cout << "], \"tviews\": [";
        auto list = [](const std::vector<std::string> &v) {
            std::string out = "[";
            for (size_t i = 0; i < v.size(); i++) out += (i ? ", " : "") + JsonString(v[i]);
            return out + "]";
        };
        for (size_t i = 0; i < reports.size(); i++) {
            const Report &r = reports[i];
            std::cout << (i ? ", " : "") << "{\"name\": " << JsonString(r.name) << ", \"at\": " << JsonString(r.where)
                      << ", \"verdict\": " << JsonString(r.verdict) << ", \"sqlstate\": " << JsonString(r.sqlstate)
                      << ", \"message\": " << JsonString(r.message) << ", \"detail\": " << JsonString(r.detail)
                      << ", \"hint\": " << JsonString(r.hint) << ", \"sources\": " << list(r.sources)
                      << ", \"joins\": " << list(r.joins) << ", \"indexes_needed\": " << list(r.indexes)
                      << ", \"statement\": " << JsonString(files.tviews[i].alter ? "pg_tviews_alter" : "create") << "}";
        }
        std::cout << "], \"order\": " << list(order) << "}\n";
        return status;
    }
    for (const std::string &e : files.errors) std::cout << e << "\n";
    for (const Report &r : reports) {
        if (r.verdict == "accepted") {
            std::cout << r.where << ": TVIEW " << r.name << (files.tviews[&r - reports.data()].alter ? " (new definition)" : "")
                      << ": accepted\n";
            for (const std::string &s : r.sources) std::cout << "  source: " << s << "\n";
            for (const std::string &j : r.joins) std::cout << "  join: " << j << "\n";
            for (const std::string &x : r.indexes)
                std::cout << "  index needed: " << x << " (pg_tviews creates it at CREATE)\n";
        } else if (r.verdict == "skipped") {
            std::cout << r.where << ": TVIEW " << r.name << ": skipped: " << r.message << "\n";
        } else if (r.verdict == "refused") {
            std::cout << r.where << ": TVIEW " << r.name << ": refused: " << r.sqlstate << " " << r.message << "\n";
            if (!r.detail.empty()) std::cout << "  detail: " << r.detail << "\n";
            if (!r.hint.empty()) std::cout << "  hint: " << r.hint << "\n";
        } else {
            std::cout << r.where << ": TVIEW " << r.name << ": not understood: " << r.message << "\n";
        }
    }
    std::string line;
    for (const std::string &name : order) line += (line.empty() ? "" : ", ") + name;
    if (!order.empty()) std::cout << "order: " << line << "\n";
    return status;
}

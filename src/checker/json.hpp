// json.hpp: a small JSON reader for libpg_query's parse trees.
//
// Regime: pure C++ (no PostgreSQL headers). libpg_query returns a statement's parse tree as
// JSON text (pg_query_parse); the checker reads it into this DOM. Only what parse trees contain
// is supported: objects, arrays, strings (with escapes), numbers, true, false, null.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tviews::checker {

struct Json {
    enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
    Kind kind = Kind::kNull;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<Json> array;
    std::map<std::string, Json> object;

    // Member `key` of an object (a null value when absent or not an object).
    const Json &operator[](const std::string &key) const;
    // Element i of an array (a null value when absent).
    const Json &at(size_t i) const;
    bool is_null() const { return kind == Kind::kNull; }
    bool has(const std::string &key) const { return kind == Kind::kObject && object.count(key) > 0; }
    // The string value, or `fallback` for anything else.
    std::string str(const std::string &fallback = "") const { return kind == Kind::kString ? string : fallback; }
    int integer(int fallback = -1) const { return kind == Kind::kNumber ? static_cast<int>(number) : fallback; }
    // For a parse-tree node {"NodeType": {...}}: its type name and its fields.
    std::string node_type() const;
    const Json &node() const;
};

// Throws std::runtime_error on malformed input.
Json ParseJson(const std::string &text);

}  // namespace tviews::checker

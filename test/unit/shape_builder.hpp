// shape_builder.hpp: builds planner QueryShapes by hand for the unit tests.
//
// A small fluent helper mirroring what the server front end (src/definition/query_shape.cpp)
// produces: relations with attnames/unique_keys/attnotnull/primary_key, FROM items in left-deep
// order, inner join conditions in `where`, LEFT JOIN conditions on their item, and expressions of
// the kinds the planner distinguishes. Handles are assigned by Build(), in the order targets,
// where, FROM conditions (pre-order), so tests can compare a leaf's handle with the expression it
// came from.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "planner/shape.hpp"

namespace tviews::planner::testing {

// ---- expressions ---------------------------------------------------------------------

inline Expr Col(int rel, int attno) {
    Expr e;
    e.kind = Expr::Kind::kColumn;
    e.rel = rel;
    e.attno = attno;
    return e;
}

inline Expr Str(std::string text) {
    Expr e;
    e.kind = Expr::Kind::kConst;
    e.const_is_text = true;
    e.const_text = std::move(text);
    return e;
}

// A non-text constant (a number, a boolean, ...).
inline Expr Lit() {
    Expr e;
    e.kind = Expr::Kind::kConst;
    return e;
}

inline Expr Null() {
    Expr e;
    e.kind = Expr::Kind::kConst;
    e.const_null = true;
    return e;
}

// a = b with a merge-joinable equality operator (what the front end marks kEquality).
inline Expr Eq(Expr a, Expr b) {
    Expr e;
    e.kind = Expr::Kind::kEquality;
    e.functions.push_back({"int4eq", Volatility::kImmutable, true});
    e.args = {std::move(a), std::move(b)};
    return e;
}

// Any other function call or operator.
inline Expr Call(std::string name, Volatility volatility, std::vector<Expr> args = {}, bool builtin = true) {
    Expr e;
    e.kind = Expr::Kind::kOther;
    e.construct = "function " + name;
    e.functions.push_back({std::move(name), volatility, builtin});
    e.args = std::move(args);
    return e;
}

// jsonb_build_object(k1, v1, ...) with the raw argument list (keys need not be constants).
inline Expr JsonbObjectArgs(std::vector<Expr> args) {
    Expr e;
    e.kind = Expr::Kind::kJsonbObject;
    e.functions.push_back({"jsonb_build_object", Volatility::kStable, true});
    e.args = std::move(args);
    return e;
}

// jsonb_build_object('k1', v1, ...) with constant text keys.
inline Expr JsonbObject(std::vector<std::pair<std::string, Expr>> members) {
    std::vector<Expr> args;
    for (auto &[key, value] : members) {
        args.push_back(Str(key));
        args.push_back(std::move(value));
    }
    return JsonbObjectArgs(std::move(args));
}

inline Expr JsonbArray(std::vector<Expr> items) {
    Expr e;
    e.kind = Expr::Kind::kJsonbArray;
    e.functions.push_back({"jsonb_build_array", Volatility::kStable, true});
    e.args = std::move(items);
    return e;
}

// ---- shapes --------------------------------------------------------------------------

class ShapeBuilder {
public:
    // Adds a table with the given columns (attno = position + 1). `pk` is its primary key (empty:
    // none); `uniques` are further unique keys, recorded after the primary key. Primary key
    // columns are NOT NULL, the others nullable unless listed in `not_null`.
    int Table(std::string name, std::vector<std::string> columns, std::vector<int> pk = {1},
              std::vector<std::vector<int>> uniques = {}, std::vector<int> not_null = {}) {
        Relation rel;
        rel.oid = 16384 + static_cast<uint32_t>(shape_.relations.size());
        rel.name = std::move(name);
        rel.attnames = std::move(columns);
        rel.attnotnull.assign(rel.attnames.size(), false);
        if (!pk.empty()) {
            rel.primary_key = 0;
            rel.unique_keys.push_back(pk);
            for (int a : pk) rel.attnotnull[a - 1] = true;
        }
        for (auto &u : uniques) rel.unique_keys.push_back(std::move(u));
        for (int a : not_null) rel.attnotnull[a - 1] = true;
        rel.location = static_cast<int>(shape_.relations.size()) * 100;
        shape_.relations.push_back(std::move(rel));
        return static_cast<int>(shape_.relations.size() - 1);
    }

    // Direct access for what Table() does not cover (key order, kinds, ...).
    Relation &Rel(int rel) { return shape_.relations[rel]; }

    // FROM r (the first item).
    ShapeBuilder &From(int rel) { return AddItem(rel, FromItem::Join::kFirst); }

    // JOIN r ON conditions: the conditions go to `where`, as the front end puts them.
    ShapeBuilder &Join(int rel, std::vector<Expr> on = {}) {
        AddItem(rel, FromItem::Join::kInner);
        for (Expr &c : on) shape_.where.push_back(std::move(c));
        return *this;
    }

    ShapeBuilder &LeftJoin(int rel, std::vector<Expr> on) {
        AddItem(rel, FromItem::Join::kLeft);
        shape_.from.back().conditions = std::move(on);
        return *this;
    }

    ShapeBuilder &UnsupportedJoin(int rel, std::string join_name, std::vector<Expr> on = {}) {
        AddItem(rel, FromItem::Join::kUnsupported);
        shape_.from.back().join_name = std::move(join_name);
        shape_.from.back().conditions = std::move(on);
        return *this;
    }

    ShapeBuilder &Where(Expr e) {
        shape_.where.push_back(std::move(e));
        return *this;
    }

    ShapeBuilder &Select(std::string name, Expr e) {
        shape_.targets.push_back({std::move(name), std::move(e)});
        return *this;
    }

    ShapeBuilder &Unsupported(std::string name, std::string detail = {}) {
        shape_.unsupported.push_back({std::move(name), std::move(detail), 7});
        return *this;
    }

    QueryShape Build() const {
        QueryShape out = shape_;
        int next = 0;
        int location = 1000;
        for (TargetColumn &t : out.targets) Number(&t.expr, &next, &location);
        for (Expr &w : out.where) Number(&w, &next, &location);
        for (FromItem &item : out.from)
            for (Expr &c : item.conditions) Number(&c, &next, &location);
        return out;
    }

private:
    ShapeBuilder &AddItem(int rel, FromItem::Join join) {
        FromItem item;
        item.rel = rel;
        item.join = join;
        item.location = 10 + static_cast<int>(shape_.from.size());
        shape_.from.push_back(std::move(item));
        return *this;
    }

    static void Number(Expr *e, int *next, int *location) {
        e->handle = (*next)++;
        e->location = (*location)++;
        for (Expr &a : e->args) Number(&a, next, location);
    }

    QueryShape shape_;
};

}  // namespace tviews::planner::testing

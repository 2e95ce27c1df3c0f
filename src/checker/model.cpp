// model.cpp: see model.hpp.
#include "checker/model.hpp"

#include <algorithm>
#include <cctype>

namespace tviews::checker {

std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// An identifier as quote_identifier prints it (keywords aside: the few that name columns).
std::string Quote(const std::string &id) {
    static const std::set<std::string> keywords = {"user", "order", "group", "table", "select", "from", "where",
                                                   "check", "default", "column", "offset", "limit", "end"};
    bool plain = !id.empty() && (std::islower(static_cast<unsigned char>(id[0])) || id[0] == '_');
    for (char c : id) plain &= std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    if (plain && !keywords.count(id)) return id;
    std::string out = "\"";
    for (char c : id) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// A type name as format_type_be prints it (the planner compares join columns' types by it).
std::string TypeDisplay(std::string name) {
    static const std::map<std::string, std::string> names = {
        {"int4", "integer"}, {"int", "integer"}, {"integer", "integer"}, {"serial", "integer"}, {"serial4", "integer"},
        {"int8", "bigint"}, {"bigint", "bigint"}, {"bigserial", "bigint"}, {"serial8", "bigint"},
        {"int2", "smallint"}, {"smallint", "smallint"}, {"smallserial", "smallint"}, {"serial2", "smallint"},
        {"varchar", "character varying"}, {"bpchar", "character"}, {"char", "character"}, {"bool", "boolean"},
        {"float8", "double precision"}, {"float4", "real"}, {"decimal", "numeric"},
        {"timestamptz", "timestamp with time zone"}, {"timestamp", "timestamp without time zone"},
        {"timetz", "time with time zone"}, {"time", "time without time zone"},
    };
    name = Lower(name);
    auto it = names.find(name);
    return it == names.end() ? name : it->second;
}


namespace {

// The built-in functions of the PostgreSQL version whose grammar the checker is built with
// (PG_TVIEWS_GRAMMAR_MAJOR: libpg_query's major version, set by the build): each version's
// table comes from that version's catalog.
const Builtin kBuiltins[] = {
#if PG_TVIEWS_GRAMMAR_MAJOR >= 18
#include "checker/builtins_18.inc"
#elif PG_TVIEWS_GRAMMAR_MAJOR >= 17
#include "checker/builtins_17.inc"
#else
#include "checker/builtins.inc"
#endif
};

}  // namespace

const Builtin *FindBuiltin(const std::string &name) {
    static const std::map<std::string, const Builtin *> index = [] {
        std::map<std::string, const Builtin *> m;
        for (const Builtin &b : kBuiltins) m[b.name] = &b;
        return m;
    }();
    auto it = index.find(name);
    return it == index.end() ? nullptr : it->second;
}

// For names whose overloads differ in volatility: the overload definitions use in practice.
Volatility MixedVolatility(const std::string &name) {
    static const std::map<std::string, Volatility> table = {
        {"age", Volatility::kStable},          {"date_part", Volatility::kImmutable},
        {"extract", Volatility::kImmutable},   {"date_trunc", Volatility::kImmutable},
        {"to_timestamp", Volatility::kImmutable}, {"timezone", Volatility::kImmutable},
    };
    auto it = table.find(name);
    return it == table.end() ? Volatility::kImmutable : it->second;
}

std::string StringValue(const Json &node) {  // {"String": {"sval": ...}}
    return node["String"]["sval"].str();
}

std::vector<std::string> Names(const Json &list) {
    std::vector<std::string> out;
    for (const Json &n : list.array) out.push_back(StringValue(n));
    return out;
}

namespace {


void AddKey(Table &t, const std::vector<std::string> &cols, bool primary) {
    std::vector<int> key;
    for (const std::string &c : cols) {
        int a = t.Attno(c);
        if (a == 0) return;
        key.push_back(a);
        if (primary) t.notnull[a - 1] = true;
    }
    t.uniques.push_back(key);
    t.indexes.push_back(key);
    if (primary) t.primary_key = static_cast<int>(t.uniques.size()) - 1;
}

void ApplyConstraint(Table &t, const Json &c, const std::string &column) {
    std::string type = c["contype"].str();
    std::vector<std::string> cols = column.empty() ? Names(c["keys"]) : std::vector<std::string>{column};
    if (type == "CONSTR_PRIMARY") AddKey(t, cols, true);
    else if (type == "CONSTR_UNIQUE") AddKey(t, cols, false);
    else if (type == "CONSTR_NOTNULL" && !column.empty() && t.Attno(column) > 0) t.notnull[t.Attno(column) - 1] = true;
}

}  // namespace

std::string TypeOf(const Schema &schema, const Json &type_name) {
    // (a TypeName field holds the node itself; a list element wraps it as {"TypeName": ...})
    const Json &tn = type_name.has("TypeName") ? type_name["TypeName"] : type_name;
    std::vector<std::string> names = Names(tn["names"]);
    if (names.empty()) return "";
    std::string name = TypeDisplay(names.back());
    auto domain = schema.domains.find(names.back());
    if (domain != schema.domains.end()) name = domain->second;
    if (!tn["arrayBounds"].is_null()) name += "[]";
    return name;
}

namespace {

void AddColumn(const Schema &schema, Table &t, const Json &def) {
    t.columns.push_back(def["colname"].str());
    t.types.push_back(TypeOf(schema, def["typeName"]));
    t.notnull.push_back(false);
    for (const Json &c : def["constraints"].array) ApplyConstraint(t, c["Constraint"], def["colname"].str());
}

// The schema a CREATE puts `rel` in: its own, pg_temp, or the first of the search path.
std::string TargetSchema(const Schema &schema, const Json &rel) {
    if (rel["relpersistence"].str() == "t") return "pg_temp";
    std::string s = rel["schemaname"].str();
    return s.empty() ? schema.CreationSchema() : s;
}

Table NewTable(const Schema &schema, const Json &rel) {
    Table t;
    t.schema = TargetSchema(schema, rel);
    t.name = rel["relname"].str();
    t.temporary = t.schema == "pg_temp";
    t.owner = schema.role;
    return t;
}

void CreateTable(Schema &schema, const Json &n, const std::string &kind_name = "") {
    if (n["if_not_exists"].kind == Json::Kind::kBool && n["if_not_exists"].boolean &&
        schema.Lookup(TargetSchema(schema, n["relation"]), n["relation"]["relname"].str()) != -1)
        return;
    Table t = NewTable(schema, n["relation"]);
    t.kind_name = kind_name;
    for (const Json &elt : n["tableElts"].array)
        if (elt.node_type() == "ColumnDef") {
            t.columns.push_back(elt.node()["colname"].str());
            t.types.push_back(TypeOf(schema, elt.node()["typeName"]));
            t.notnull.push_back(false);
        }
    for (const Json &elt : n["tableElts"].array) {
        if (elt.node_type() == "ColumnDef")
            for (const Json &c : elt.node()["constraints"].array) ApplyConstraint(t, c["Constraint"], elt.node()["colname"].str());
        else if (elt.node_type() == "Constraint")
            ApplyConstraint(t, elt.node(), "");
    }
    schema.tables.push_back(std::move(t));
}

int TableOf(Schema &schema, const Json &rel) {
    return schema.Find(rel["schemaname"].str(), rel["relname"].str());
}

std::string RoleName(const Json &spec) {
    const Json &r = spec["RoleSpec"];
    return r["roletype"].str() == "ROLESPEC_PUBLIC" ? "public" : r["rolename"].str();
}

void AlterTable(Schema &schema, const Json &n) {
    int t = TableOf(schema, n["relation"]);
    if (t < 0) {
        // ALTER VIEW ... OWNER TO
        const View *view = schema.FindView(n["relation"]["schemaname"].str(), n["relation"]["relname"].str());
        if (view == nullptr) return;
        View &v = schema.views[view - schema.views.data()];
        for (const Json &cmd : n["cmds"].array)
            if (cmd["AlterTableCmd"]["subtype"].str() == "AT_ChangeOwner") v.owner = RoleName(cmd["AlterTableCmd"]["newowner"]);
        return;
    }
    Table &table = schema.tables[t];
    for (const Json &cmd : n["cmds"].array) {
        const Json &c = cmd["AlterTableCmd"];
        std::string sub = c["subtype"].str();
        int attno = table.Attno(c["name"].str());
        if (sub == "AT_AddConstraint") ApplyConstraint(table, c["def"]["Constraint"], "");
        else if (sub == "AT_AddColumn") AddColumn(schema, table, c["def"]["ColumnDef"]);
        else if (sub == "AT_DropColumn" && attno > 0) {
            table.columns[attno - 1] = "";
            auto uses = [&](const std::vector<int> &key) { return std::find(key.begin(), key.end(), attno) != key.end(); };
            for (size_t k = 0; k < table.uniques.size(); k++)
                if (uses(table.uniques[k])) {
                    table.uniques[k].clear();
                    if (table.primary_key == static_cast<int>(k)) table.primary_key = -1;
                }
            table.indexes.erase(std::remove_if(table.indexes.begin(), table.indexes.end(), uses), table.indexes.end());
        } else if (sub == "AT_AlterColumnType" && attno > 0) {
            table.types[attno - 1] = TypeOf(schema, c["def"]["ColumnDef"]["typeName"]);
        } else if (sub == "AT_SetNotNull" && attno > 0) {
            table.notnull[attno - 1] = true;
        } else if (sub == "AT_DropNotNull" && attno > 0) {
            table.notnull[attno - 1] = false;
        } else if (sub == "AT_EnableRowSecurity") {
            table.rls = true;
        } else if (sub == "AT_DisableRowSecurity") {
            table.rls = false;
        } else if (sub == "AT_ForceRowSecurity") {
            table.rls_forced = true;
        } else if (sub == "AT_NoForceRowSecurity") {
            table.rls_forced = false;
        } else if (sub == "AT_ChangeOwner") {
            table.owner = RoleName(c["newowner"]);
        }
    }
    // Keys emptied by a dropped column are gone.
    for (size_t k = 0; k < table.uniques.size(); k++)
        if (table.uniques[k].empty()) {
            if (table.primary_key > static_cast<int>(k)) table.primary_key--;
            table.uniques.erase(table.uniques.begin() + static_cast<long>(k));
            k--;
        }
}

void Rename(Schema &schema, const Json &n) {
    std::string type = n["renameType"].str();
    std::string newname = n["newname"].str();
    if (type == "OBJECT_SCHEMA") {
        std::string old = n["subname"].str();
        if (!schema.schemas.erase(old)) return;
        schema.schemas.insert(newname);
        for (Table &t : schema.tables)
            if (t.schema == old) t.schema = newname;
        for (View &v : schema.views)
            if (v.schema == old) v.schema = newname;
        return;
    }
    int r = schema.Lookup(n["relation"]["schemaname"].str(), n["relation"]["relname"].str());
    if (r == -1) return;
    if (type == "OBJECT_COLUMN" && r >= 0) {
        int attno = schema.tables[r].Attno(n["subname"].str());
        if (attno > 0) schema.tables[r].columns[attno - 1] = newname;
    } else if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" || type == "OBJECT_FOREIGN_TABLE") {
        if (r >= 0) schema.tables[r].name = newname;
        else schema.views[-2 - r].name = newname;
    }
}

void Drop(Schema &schema, const Json &n) {
    std::string type = n["removeType"].str();
    bool cascade = n["behavior"].str() == "DROP_CASCADE";
    for (const Json &object : n["objects"].array) {
        if (type == "OBJECT_SCHEMA") {
            std::string name = StringValue(object);
            schema.schemas.erase(name);
            for (size_t i = 0; i < schema.tables.size(); i++)
                if (!schema.tables[i].dropped && schema.tables[i].schema == name) schema.DropTable(static_cast<int>(i), true);
            for (View &v : schema.views)
                if (v.schema == name) v.dropped = true;
        } else if (type == "OBJECT_EXTENSION") {
            if (StringValue(object) != "pg_tviews") continue;
            for (size_t i = 0; i < schema.tables.size(); i++)
                if (schema.tables[i].tview) schema.DropTable(static_cast<int>(i), true);
        } else if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" ||
                   type == "OBJECT_FOREIGN_TABLE") {
            std::vector<std::string> names = Names(object["List"]["items"]);
            if (names.empty()) continue;
            int r = schema.Lookup(names.size() > 1 ? names[names.size() - 2] : "", names.back());
            if (r >= 0) schema.DropTable(r, cascade);
            else if (r <= -2) schema.views[-2 - r].dropped = true;
        } else if (type == "OBJECT_FUNCTION") {
            std::vector<std::string> names = Names(object["ObjectWithArgs"]["objname"]);
            if (names.empty()) continue;
            if (names.size() > 1) {
                schema.functions.erase(Lower(names[names.size() - 2]) + "." + Lower(names.back()));
            } else {
                for (const std::string &s : schema.SearchOrder())
                    if (schema.functions.erase(s + "." + Lower(names.back()))) break;
            }
        }
    }
}

void Grant(Schema &schema, const Json &n) {
    if (n["targtype"].str() != "ACL_TARGET_OBJECT" || n["objtype"].str() != "OBJECT_TABLE") return;
    bool grant = n["is_grant"].kind == Json::Kind::kBool && n["is_grant"].boolean;
    std::vector<std::string> roles;
    for (const Json &g : n["grantees"].array) roles.push_back(RoleName(g));
    bool all = n["privileges"].is_null();
    std::vector<std::string> columns;
    bool select = all;
    for (const Json &p : n["privileges"].array) {
        const Json &priv = p["AccessPriv"];
        if (!priv.has("priv_name") || priv["priv_name"].str() == "select") {
            select = true;
            for (const std::string &c : Names(priv["cols"])) columns.push_back(c);
        }
    }
    if (!select) return;
    for (const Json &object : n["objects"].array) {
        const Json &rv = object["RangeVar"];
        int r = schema.Lookup(rv["schemaname"].str(), rv["relname"].str());
        if (r == -1) continue;
        for (const std::string &role : roles) {
            if (r <= -2) {
                std::set<std::string> &to = schema.views[-2 - r].select_roles;
                grant ? (void)to.insert(role) : (void)to.erase(role);
            } else if (columns.empty()) {
                std::set<std::string> &to = schema.tables[r].select_roles;
                grant ? (void)to.insert(role) : (void)to.erase(role);
            } else {
                for (const std::string &c : columns) {
                    std::set<std::string> &to = schema.tables[r].column_roles[c];
                    grant ? (void)to.insert(role) : (void)to.erase(role);
                }
            }
        }
    }
}

void CreateIndex(Schema &schema, const Json &n) {
    int t = TableOf(schema, n["relation"]);
    if (t < 0) return;
    std::vector<std::string> cols;
    for (const Json &p : n["indexParams"].array) {
        std::string name = p["IndexElem"]["name"].str();
        if (name.empty()) return;  // an expression index
        cols.push_back(name);
    }
    Table &table = schema.tables[t];
    std::vector<int> key;
    for (const std::string &c : cols) key.push_back(table.Attno(c));
    table.indexes.push_back(key);
    bool unique = n["unique"].kind == Json::Kind::kBool && n["unique"].boolean;
    if (unique && n["whereClause"].is_null()) table.uniques.push_back(key);
}

void CreateFunction(Schema &schema, const Json &n) {
    Volatility v = Volatility::kVolatile;  // PostgreSQL's default
    for (const Json &o : n["options"].array) {
        const Json &d = o["DefElem"];
        if (d["defname"].str() != "volatility") continue;
        std::string value = StringValue(d["arg"]);
        v = value == "immutable" ? Volatility::kImmutable : value == "stable" ? Volatility::kStable : Volatility::kVolatile;
    }
    std::vector<std::string> names = Names(n["funcname"]);
    std::string where = names.size() > 1 ? Lower(names[names.size() - 2]) : schema.CreationSchema();
    schema.functions[where + "." + Lower(names.back())] = v;
}

void CreateRole(Schema &schema, const Json &n) {
    for (const Json &o : n["options"].array) {
        const Json &d = o["DefElem"];
        bool on = d["arg"]["Boolean"]["boolval"].kind == Json::Kind::kBool ? d["arg"]["Boolean"]["boolval"].boolean
                                                                           : d["arg"]["Integer"]["ival"].integer(0) != 0;
        if ((d["defname"].str() == "superuser" || d["defname"].str() == "bypassrls") && on) schema.bypass.insert(n["role"].str());
    }
}

void SetVariable(Schema &schema, const Json &n) {
    std::string kind = n["kind"].str(), name = n["name"].str();
    if (kind == "VAR_RESET_ALL") {
        schema.search_path = {"$user", "public"};
        schema.role.clear();
        return;
    }
    bool reset = kind == "VAR_RESET" || kind == "VAR_SET_DEFAULT";
    std::vector<std::string> values;
    for (const Json &a : n["args"].array) values.push_back(a["A_Const"]["sval"]["sval"].str());
    if (name == "search_path") {
        schema.search_path = reset ? std::vector<std::string>{"$user", "public"} : values;
    } else if (name == "role" || name == "session_authorization") {
        schema.role = reset || values.empty() || values[0] == "none" ? "" : values[0];
    }
}

}  // namespace

bool Database::Apply(const std::string &type, const Json &n) {
    if (type == "CreateStmt") {
        CreateTable(schema, n);
    } else if (type == "CreateForeignTableStmt") {
        CreateTable(schema, n["base"], "foreign table");
    } else if (type == "AlterTableStmt") {
        AlterTable(schema, n);
    } else if (type == "RenameStmt") {
        Rename(schema, n);
    } else if (type == "DropStmt") {
        Drop(schema, n);
    } else if (type == "IndexStmt") {
        CreateIndex(schema, n);
    } else if (type == "GrantStmt") {
        Grant(schema, n);
    } else if (type == "CreateRoleStmt") {
        CreateRole(schema, n);
    } else if (type == "VariableSetStmt") {
        SetVariable(schema, n);
    } else if (type == "CreateSchemaStmt") {
        std::string name = n["schemaname"].str(RoleName(n["authrole"]));
        if (!name.empty()) schema.schemas.insert(name);
    } else if (type == "CreateDomainStmt") {
        std::vector<std::string> names = Names(n["domainname"]);
        if (!names.empty()) schema.domains[names.back()] = TypeOf(schema, n["typeName"]);
    } else if (type == "ViewStmt") {
        const Json &view = n["view"];
        View v;
        v.schema = TargetSchema(schema, view);
        v.name = view["relname"].str();
        v.select = n["query"]["SelectStmt"];
        v.owner = schema.role;
        int existing = schema.Lookup(v.schema, v.name);
        if (existing <= -2) schema.views[-2 - existing] = std::move(v);  // CREATE OR REPLACE VIEW
        else if (existing == -1) schema.views.push_back(std::move(v));
    } else if (type == "CreateFunctionStmt") {
        CreateFunction(schema, n);
    } else if (type == "TransactionStmt") {
        std::string kind = n["kind"].str();
        if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
            transactions_.push_back({"", schema});
        } else if (kind == "TRANS_STMT_SAVEPOINT") {
            transactions_.push_back({n["savepoint_name"].str(), schema});
        } else if (kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_PREPARE") {
            transactions_.clear();
        } else if (kind == "TRANS_STMT_ROLLBACK" && !transactions_.empty()) {
            schema = transactions_.front().before;
            transactions_.clear();
        } else if (kind == "TRANS_STMT_ROLLBACK_TO" || kind == "TRANS_STMT_RELEASE") {
            std::string name = n["savepoint_name"].str();
            for (size_t i = transactions_.size(); i-- > 0;) {
                if (transactions_[i].savepoint != name) continue;
                if (kind == "TRANS_STMT_ROLLBACK_TO") {
                    schema = transactions_[i].before;
                    transactions_.resize(i + 1);
                } else {
                    transactions_.resize(i);
                }
                break;
            }
        }
    } else {
        return false;
    }
    return true;
}

void Database::CreateTableAs(const Json &n, const std::vector<std::string> &columns,
                             const std::vector<std::string> &types) {
    const Json &into = n["into"];
    if (n["if_not_exists"].kind == Json::Kind::kBool && n["if_not_exists"].boolean &&
        schema.Lookup(TargetSchema(schema, into["rel"]), into["rel"]["relname"].str()) != -1)
        return;
    Table t = NewTable(schema, into["rel"]);
    if (n["objtype"].str() == "OBJECT_MATVIEW") t.kind_name = "materialized view";
    std::vector<std::string> names = Names(into["colNames"]);
    for (size_t i = 0; i < columns.size(); i++) {
        t.columns.push_back(i < names.size() ? names[i] : columns[i]);
        t.types.push_back(i < types.size() ? types[i] : "");
        t.notnull.push_back(false);
    }
    schema.tables.push_back(std::move(t));
}

}  // namespace tviews::checker

// create.cpp: see create.hpp.
//
// Regime: PostgreSQL side. The DDL steps are C-style helpers (palloc'd arguments, may ereport,
// no C++ objects) called through pg::Call from the C++ orchestration in CreateTview().
#include "definition/create.hpp"

#include "boundary/guard.hpp"
#include "catalog/catalog.hpp"
#include "catalog/relations.hpp"
#include "core/error.hpp"
#include "definition/query_shape.hpp"
#include "definition/settings.hpp"
#include "planner/planner.hpp"

extern "C" {
#include "access/table.h"
#include "access/toast_compression.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "catalog/indexing.h"
#include "catalog/pg_trigger_d.h"
#include "executor/spi.h"
#include "nodes/nodeFuncs.h"
#include "storage/lmgr.h"
#include "utils/relcache.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "utils/fmgroids.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
}

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tviews::definition {

namespace {

/* ------------------------------------------------------------------------
 * C-style DDL helpers (PostgreSQL regime).
 * ------------------------------------------------------------------------ */

Query *CopyQuery(Query *query) { return static_cast<Query *>(copyObject(query)); }

char *QueryTreeText(Query *query) { return nodeToString(query); }

constexpr int kDefaultFillfactor = 80;

void DefaultFillfactor(IntoClause *into) {
    ListCell *lc;
    foreach (lc, into->options) {
        auto *opt = static_cast<DefElem *>(lfirst(lc));
        if (opt->defnamespace == nullptr && strcmp(opt->defname, "fillfactor") == 0) return;
    }
    into->options = lappend(into->options, makeDefElem(pstrdup("fillfactor"),
                                                       reinterpret_cast<Node *>(makeInteger(kDefaultFillfactor)), -1));
}

// TVIEW documents are rewritten whole on every change to their sources, and read whole by the
// TVIEWs over them: store them compressed with lz4, several times faster than pglz both ways,
// when the server has it and the session has not chosen lz4 or another method already. The
// filling CREATE runs with lz4 as the default (returns the GUC level to pop, or -1), then the
// columns are pinned to it (a user may still ALTER TABLE ... ALTER COLUMN ... SET COMPRESSION).
int BeginDocumentCompression() {
#ifdef USE_LZ4
    if (default_toast_compression != TOAST_PGLZ_COMPRESSION) return -1;
    int level = NewGUCNestLevel();
    set_config_option("default_toast_compression", "lz4", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    return level;
#else
    return -1;
#endif
}

void EndDocumentCompression(int level) {
    if (level >= 0) AtEOXact_GUC(true, level);
}

// "ALTER TABLE t ALTER COLUMN c SET COMPRESSION lz4, ..." for the compressible columns of `relid`,
// or nullptr when there are none.
char *PinCompressionDdl(Oid relid, const char *qualified) {
    Relation rel = table_open(relid, AccessShareLock);
    TupleDesc desc = RelationGetDescr(rel);
    StringInfoData sql;
    initStringInfo(&sql);
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        if (att->attisdropped || (att->attstorage != TYPSTORAGE_EXTENDED && att->attstorage != TYPSTORAGE_MAIN))
            continue;
        appendStringInfo(&sql, "%s ALTER COLUMN %s SET COMPRESSION lz4", sql.len == 0 ? "" : ",",
                         quote_identifier(NameStr(att->attname)));
    }
    table_close(rel, AccessShareLock);
    if (sql.len == 0) return nullptr;
    return psprintf("ALTER TABLE %s%s", qualified, sql.data);
}

Oid CreatedRelid(RangeVar *rv) { return RangeVarGetRelid(rv, NoLock, false); }


char *ColumnName(Oid relid, AttrNumber attno) { return get_attname(relid, attno, false); }


bool HasLookupIndex(Oid relid, const AttrNumber *attnos, int n) {
    return OidIsValid(catalog::FindLookupIndex(relid, attnos, n, false));
}

int RelationNatts(Oid relid) {
    Relation rel = table_open(relid, AccessShareLock);
    int natts = RelationGetDescr(rel)->natts;
    table_close(rel, AccessShareLock);
    return natts;
}

bool AttributeDropped(Oid relid, AttrNumber attno) {
    HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attno));
    if (!HeapTupleIsValid(tuple)) return true;
    bool dropped = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple))->attisdropped;
    ReleaseSysCache(tuple);
    return dropped;
}


bool OwnsRelation(Oid relid) { return pg::OwnsClass(relid, GetUserId()); }

void RunDdl(const char *sql) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY) elog(ERROR, "pg_tviews could not run: %s", sql);
    SPI_finish();
}

void CreateTrigger(Oid source, Oid tview, const char *name, int16 event) {
    CreateTrigStmt *stmt = makeNode(CreateTrigStmt);
    stmt->trigname = pstrdup(name);
    stmt->relation = makeRangeVar(get_namespace_name(get_rel_namespace(source)), get_rel_name(source), -1);
    stmt->funcname = list_make2(makeString(pstrdup("tviews")), makeString(pstrdup("maintain")));
    stmt->args = list_make1(makeString(psprintf("%u", tview)));
    stmt->row = false;
    stmt->timing = TRIGGER_TYPE_AFTER;
    stmt->events = event;
    if (event == TRIGGER_TYPE_INSERT || event == TRIGGER_TYPE_UPDATE) {
        TriggerTransition *t = makeNode(TriggerTransition);
        t->name = pstrdup("tviews_new");
        t->isNew = true;
        t->isTable = true;
        stmt->transitionRels = lappend(stmt->transitionRels, t);
    }
    if (event == TRIGGER_TYPE_DELETE || event == TRIGGER_TYPE_UPDATE) {
        TriggerTransition *t = makeNode(TriggerTransition);
        t->name = pstrdup("tviews_old");
        t->isNew = false;
        t->isTable = true;
        stmt->transitionRels = lappend(stmt->transitionRels, t);
    }
    ObjectAddress trigger = CreateTriggerFiringOn(stmt, nullptr, source, InvalidOid, InvalidOid, InvalidOid, InvalidOid,
                                                  InvalidOid, nullptr, true, false, TRIGGER_FIRES_ALWAYS);
    // Dropping the TVIEW drops its triggers.
    ObjectAddress owner;
    ObjectAddressSet(owner, RelationRelationId, tview);
    recordDependencyOn(&trigger, &owner, DEPENDENCY_AUTO);
}

// Whether pg_tviews's triggers maintaining `tview` are already on `source` (a re-attach).
bool HasMaintenanceTriggers(Oid source, Oid tview) {
    Relation rel = table_open(source, AccessShareLock);
    bool found = false;
    char arg[16];
    snprintf(arg, sizeof(arg), "%u", tview);
    for (int i = 0; rel->trigdesc != nullptr && i < rel->trigdesc->numtriggers && !found; i++) {
        const Trigger &t = rel->trigdesc->triggers[i];
        found = t.tgisinternal && t.tgnargs == 1 && strcmp(t.tgargs[0], arg) == 0 &&
                strcmp(get_func_name(t.tgfoid), "maintain") == 0;
    }
    table_close(rel, AccessShareLock);
    return found;
}

// Drops pg_tviews's triggers maintaining `tview` from every table (a new definition follows).
void DropMaintenanceTriggers(Oid tview) {
    char arg[16];
    snprintf(arg, sizeof(arg), "%u", tview);
    Relation triggers = table_open(TriggerRelationId, AccessShareLock);
    SysScanDesc scan = systable_beginscan(triggers, InvalidOid, false, nullptr, 0, nullptr);
    List *doomed = NIL;
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        auto *t = reinterpret_cast<Form_pg_trigger>(GETSTRUCT(tuple));
        if (!t->tgisinternal || t->tgnargs != 1 || strcmp(get_func_name(t->tgfoid), "maintain") != 0) continue;
        bool isnull;
        Datum args = heap_getattr(tuple, Anum_pg_trigger_tgargs, RelationGetDescr(triggers), &isnull);
        if (isnull) continue;
        bytea *raw = DatumGetByteaPP(args);
        if (strcmp(VARDATA_ANY(raw), arg) != 0) continue;  // tgargs: NUL-terminated arguments
        doomed = lappend_oid(doomed, t->oid);
    }
    systable_endscan(scan);
    table_close(triggers, AccessShareLock);
    ListCell *lc;
    foreach (lc, doomed) {
        ObjectAddress trigger;
        ObjectAddressSet(trigger, TriggerRelationId, lfirst_oid(lc));
        performDeletion(&trigger, DROP_RESTRICT, PERFORM_DELETION_INTERNAL);
    }
}

// Whether the columns of `query` (names and types, in order) are exactly those of `tview`.
// Describes the first difference in `why` otherwise.
bool SameColumns(Oid tview, Query *query, char **why) {
    Relation rel = table_open(tview, AccessShareLock);
    TupleDesc desc = RelationGetDescr(rel);
    int natts = 0;
    for (int i = 0; i < desc->natts; i++)
        if (!TupleDescAttr(desc, i)->attisdropped) natts++;
    List *tlist = NIL;
    ListCell *lc;
    foreach (lc, query->targetList)
        if (!static_cast<TargetEntry *>(lfirst(lc))->resjunk) tlist = lappend(tlist, lfirst(lc));
    *why = nullptr;
    if (list_length(tlist) != natts) {
        *why = psprintf("The TVIEW has %d columns, the new definition %d.", natts, list_length(tlist));
    } else {
        int i = 0;
        foreach (lc, tlist) {
            auto *te = static_cast<TargetEntry *>(lfirst(lc));
            while (TupleDescAttr(desc, i)->attisdropped) i++;
            Form_pg_attribute att = TupleDescAttr(desc, i++);
            Oid type = exprType(reinterpret_cast<Node *>(te->expr));
            if (te->resname == nullptr || strcmp(te->resname, NameStr(att->attname)) != 0 || type != att->atttypid) {
                *why = psprintf("Column %d is %s %s in the TVIEW and %s %s in the new definition.", i,
                                quote_identifier(NameStr(att->attname)), format_type_be(att->atttypid),
                                te->resname != nullptr ? quote_identifier(te->resname) : "(unnamed)",
                                format_type_be(type));
                break;
            }
        }
    }
    table_close(rel, AccessShareLock);
    return *why == nullptr;
}

// The TVIEW columns (1-based) of its primary key, or NIL.
List *PrimaryKeyColumns(Oid tview) {
    Relation rel = table_open(tview, AccessShareLock);
    Oid pk = pg::PrimaryKeyIndex(rel);
    List *cols = NIL;
    if (OidIsValid(pk)) {
        Relation index = index_open(pk, AccessShareLock);
        for (int k = 0; k < index->rd_index->indnkeyatts; k++) cols = lappend_int(cols, index->rd_index->indkey.values[k]);
        index_close(index, AccessShareLock);
    }
    table_close(rel, AccessShareLock);
    return cols;
}

Query *AnalyzeUserQuery(const char *sql) {
    List *parsed = raw_parser(sql, RAW_PARSE_DEFAULT);
    if (list_length(parsed) != 1 || !IsA(linitial_node(RawStmt, parsed)->stmt, SelectStmt))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("a TVIEW definition must be exactly one SELECT"),
                        errhint("Pass a single SELECT, without a trailing semicolon-separated statement.")));
    return parse_analyze_fixedparams(linitial_node(RawStmt, parsed), sql, nullptr, 0, nullptr);
}

void LockForAlter(Oid tview) { LockRelationOid(tview, AccessExclusiveLock); }

// Drops the dependencies of `tview` on relations and columns (before they are recorded again).
void ForgetSourceDependencies(Oid tview) {
    deleteDependencyRecordsForClass(RelationRelationId, tview, RelationRelationId, DEPENDENCY_NORMAL);
}

void RecordSourceDependency(Oid tview, Oid source, AttrNumber attno) {
    ObjectAddress dependent, referenced;
    ObjectAddressSet(dependent, RelationRelationId, tview);
    ObjectAddressSubSet(referenced, RelationRelationId, source, attno);
    recordDependencyOn(&dependent, &referenced, DEPENDENCY_NORMAL);
}

void Notice(const char *message, const char *detail) {
    ereport(NOTICE, (errmsg("%s", message), errdetail("%s", detail)));
}

void CommandCounter() { CommandCounterIncrement(); }

// The analyzed query of a stored definition (schema-qualified SQL), with the TVIEW's pinned
// settings and the search_path the definition was deparsed under.
Query *AnalyzeDefinitionText(const char *sql, const char *settings) {
    int level = ApplyPinnedSettings(settings);
    set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    List *parsed = raw_parser(sql, RAW_PARSE_DEFAULT);
    if (list_length(parsed) != 1 || !IsA(linitial_node(RawStmt, parsed)->stmt, SelectStmt))
        ereport(ERROR, (errcode(ERRCODE_INVALID_TABLE_DEFINITION),
                        errmsg("a TVIEW definition must be one SELECT"), errdetail("Definition: %s", sql)));
    Query *query = parse_analyze_fixedparams(linitial_node(RawStmt, parsed), sql, nullptr, 0, nullptr);
    AtEOXact_GUC(true, level);
    return query;
}

char *RelationName(Oid relid) {
    char *name = get_rel_name(relid);
    if (name == nullptr) elog(ERROR, "relation %u does not exist", relid);
    return name;
}

/* ------------------------------------------------------------------------
 * C++ orchestration.
 * ------------------------------------------------------------------------ */

[[noreturn]] void Raise(const planner::Refusal &r) { throw Error(r.state, r.message, r.detail, r.hint); }

std::string Str(char *s) { return s != nullptr ? std::string(s) : std::string(); }

std::string QuotedColumn(Oid relid, int attno) {
    char *name = pg::Call(ColumnName, relid, AttrNumber(attno));
    return Str(const_cast<char *>(pg::Call(quote_identifier, static_cast<const char *>(name))));
}

std::string TriggerName(const std::string &tview, const char *event) {
    std::string name = "tviews maintain " + tview + " on " + event;
    if (name.size() >= NAMEDATALEN) name = name.substr(0, NAMEDATALEN - 1);
    return name;
}

// The refresh plan of a definition (CREATE, re-attach, a new definition), or why not, raised:
// the planner's refusal (which also covers join column types, row-level security and temporary
// sources: the offline checker applies the same rules).
planner::RefreshPlan PlanDefinition(AnalyzedDefinition &def, bool temporary) {
    def.shape.temporary = temporary;
    planner::PlanResult result = planner::PlanForCreate(def.shape);
    if (auto *refusal = std::get_if<planner::Refusal>(&result)) Raise(*refusal);
    return std::move(std::get<planner::RefreshPlan>(result));
}

// Maintenance finds the TVIEW rows that depend on a changed row by following each join edge
// backwards: that needs an index on the foreign-key columns of the edge's parent.
void EnsureLookupIndexes(const AnalyzedDefinition &def, const planner::RefreshPlan &plan) {
    std::set<std::pair<Oid, std::vector<int>>> done;
    std::vector<std::pair<Oid, std::vector<int>>> needed;
    for (const planner::PlanNode &node : plan.nodes) {
        if (node.parent < 0) continue;
        needed.emplace_back(def.relids[plan.nodes[node.parent].rel], node.parent_attnos);
        // The child rows a subquery aggregates are read through their correlation columns.
        if (node.scope > plan.nodes[node.parent].scope) needed.emplace_back(def.relids[node.rel], node.key_attnos);
    }
    for (auto &[parent, edge_attnos] : needed) {
        std::vector<int> attnos = edge_attnos;
        std::sort(attnos.begin(), attnos.end());
        if (!done.insert({parent, attnos}).second) continue;
        std::vector<AttrNumber> key(attnos.begin(), attnos.end());
        if (pg::Call(HasLookupIndex, parent, static_cast<const AttrNumber *>(key.data()), static_cast<int>(key.size())))
            continue;
        std::string columns;
        for (int a : edge_attnos) columns += (columns.empty() ? "" : ", ") + QuotedColumn(parent, a);
        std::string table = Str(pg::Call(catalog::QualifiedName, parent));
        std::string sql = "CREATE INDEX ON " + table + " (" + columns + ")";
        if (!pg::Call(OwnsRelation, parent))
            throw Error(SqlState("42501"), "pg_tviews needs an index on " + table + " (" + columns + ")",
                        "Maintenance finds the TVIEW rows that depend on a changed row through it, and only the "
                        "owner of " + table + " can create it.",
                        "Ask the owner to run " + sql + ", then create the TVIEW.");
        pg::Call(RunDdl, sql.c_str());
        std::string message = "pg_tviews created an index on " + table + " (" + columns + ")";
        pg::Call(Notice, message.c_str(),
                 "Maintenance looks up the rows of a TVIEW that depend on a changed row through this index.");
    }
}

// Installs what maintains `tview` from its sources: the internal triggers on every source table
// (once per table, even if it appears twice in the joins; kept if already there) and the
// dependencies (dropping a source, a view read, or a column read needs CASCADE). Returns the
// source tables.
std::set<Oid> AttachToSources(Oid tview, const std::string &short_name, const AnalyzedDefinition &def,
                              const planner::RefreshPlan &plan) {
    std::set<Oid> sources;
    for (const planner::PlanNode &node : plan.nodes) sources.insert(def.relids[node.rel]);
    for (Oid source : sources) {
        if (pg::Call(HasMaintenanceTriggers, source, tview)) continue;
        pg::Call(CreateTrigger, source, tview, TriggerName(short_name, "insert").c_str(), int16(TRIGGER_TYPE_INSERT));
        pg::Call(CreateTrigger, source, tview, TriggerName(short_name, "update").c_str(), int16(TRIGGER_TYPE_UPDATE));
        pg::Call(CreateTrigger, source, tview, TriggerName(short_name, "delete").c_str(), int16(TRIGGER_TYPE_DELETE));
        pg::Call(CreateTrigger, source, tview, TriggerName(short_name, "truncate").c_str(),
                 int16(TRIGGER_TYPE_TRUNCATE));
    }
    pg::Call(ForgetSourceDependencies, tview);
    for (Oid view : def.views) pg::Call(RecordSourceDependency, tview, view, AttrNumber(0));
    for (size_t n = 0; n < plan.nodes.size(); n++) {
        Oid relid = def.relids[plan.nodes[n].rel];
        pg::Call(RecordSourceDependency, tview, relid, AttrNumber(0));
        for (int attno : plan.UsedAttnos(static_cast<int>(n))) {
            if (attno > 0) {
                pg::Call(RecordSourceDependency, tview, relid, AttrNumber(attno));
            } else {  // a whole row: every column is read
                int natts = pg::Call(RelationNatts, relid);
                for (int a = 1; a <= natts; a++)
                    if (!pg::Call(AttributeDropped, relid, AttrNumber(a)))
                        pg::Call(RecordSourceDependency, tview, relid, AttrNumber(a));
            }
        }
    }
    return sources;
}

}  // namespace

void CreateTview(CreateTableAsStmt *ctas, const std::function<void()> &create_table) {
    if (!IsA(ctas->query, Query))
        throw Error(sqlstate::kFeatureNotSupported, "CREATE TABLE ... USING tview_am AS EXECUTE is not supported",
                    "A TVIEW needs its defining query.", "Write the query itself after AS.");
    Query *original = pg::Call(CopyQuery, castNode(Query, ctas->query));
    AnalyzedDefinition def = AnalyzeDefinition(original);
    planner::RefreshPlan plan = PlanDefinition(def, ctas->into->rel->relpersistence == RELPERSISTENCE_TEMP);
    // TVIEW rows are updated in place all the time: leave room on each page for HOT updates
    // (no index maintenance) unless the user chose a fillfactor.
    pg::Call(DefaultFillfactor, ctas->into);

    char *settings = pg::Call(CapturePinnedSettings);
    char *definition = pg::Call(catalog::DeparseQuery, original);
    char *query_tree = pg::Call(QueryTreeText, original);

    // Indexes first: filling the TVIEW runs its subqueries through them too.
    EnsureLookupIndexes(def, plan);
    int compression_level = pg::Call(BeginDocumentCompression);
    create_table();
    pg::Call(EndDocumentCompression, compression_level);
    Oid tview = pg::Call(CreatedRelid, ctas->into->rel);
    std::string tview_name = Str(pg::Call(catalog::QualifiedName, tview));
    if (compression_level >= 0)
        if (char *pin = pg::Call(PinCompressionDdl, tview, tview_name.c_str())) pg::Call(RunDdl, static_cast<const char *>(pin));
    std::string short_name = ctas->into->rel->relname;

    // The key index: maintenance finds a TVIEW row by its root key.
    std::string key_columns;
    for (int column : plan.key_columns)
        key_columns += (key_columns.empty() ? "" : ", ") +
                       QuotedColumn(tview, column + 1);
    // The key: NOT NULL and unique, as in the root table, so that other TVIEWs can join this one
    // on it or use it as their root.
    std::string key_index = "ALTER TABLE " + tview_name + " ADD PRIMARY KEY (" + key_columns + ")";
    pg::Call(RunDdl, key_index.c_str());

    std::set<Oid> sources = AttachToSources(tview, short_name, def, plan);

    std::vector<Oid> source_list(sources.begin(), sources.end());
    catalog::TviewRow row{};
    row.tview = tview;
    row.definition = definition;
    row.query_tree = query_tree;
    row.settings = settings;
    row.nsources = static_cast<int>(source_list.size());
    row.sources = source_list.data();
    row.populated = !ctas->into->skipData;
    pg::Call(catalog::InsertTview, static_cast<const catalog::TviewRow *>(&row));
    pg::Call(CommandCounter);
}

}  // namespace tviews::definition

namespace tviews::definition {

char *ReattachTview(Oid tview, const char *definition, const char *settings) {
    Query *query = pg::Call(AnalyzeDefinitionText, definition, settings);
    AnalyzedDefinition def = AnalyzeDefinition(query);
    planner::RefreshPlan plan = PlanDefinition(def, pg::Call(get_rel_persistence, tview) == RELPERSISTENCE_TEMP);
    std::string short_name = Str(pg::Call(RelationName, tview));
    AttachToSources(tview, short_name, def, plan);
    return pg::Call(QueryTreeText, query);
}

}  // namespace tviews::definition

namespace tviews::definition {

void AlterTview(Oid tview, const char *sql) {
    pg::Call(LockForAlter, tview);
    catalog::TviewRow *old_row = pg::Call(catalog::ReadTview, tview);
    if (old_row == nullptr)
        throw Error(sqlstate::kWrongObjectType, "\"" + Str(pg::Call(RelationName, tview)) + "\" is not a TVIEW", "",
                    "pg_tviews_alter() changes tables created with CREATE TABLE ... USING tview_am AS SELECT.");
    if (!pg::Call(OwnsRelation, tview))
        throw Error(sqlstate::kInsufficientPrivilege, "must be owner of TVIEW " + Str(pg::Call(RelationName, tview)));
    Query *query = pg::Call(AnalyzeUserQuery, sql);
    char *why = nullptr;
    if (!pg::Call(SameColumns, tview, query, &why))
        throw Error(sqlstate::kInvalidTableDefinition,
                    "the new definition of TVIEW " + Str(pg::Call(RelationName, tview)) + " has other columns", Str(why),
                    "pg_tviews_alter() keeps the table, its indexes and grants, so the columns must stay the same "
                    "(names and types, in order). To change them, drop the TVIEW and create it again.");
    Query *original = pg::Call(CopyQuery, query);
    AnalyzedDefinition def = AnalyzeDefinition(original);
    planner::RefreshPlan plan = PlanDefinition(def, pg::Call(get_rel_persistence, tview) == RELPERSISTENCE_TEMP);
    // Maintenance finds rows by the primary key: the new root's key must be the same columns.
    List *pk = pg::Call(PrimaryKeyColumns, tview);
    bool same_key = pg::Call(list_length, static_cast<const List *>(pk)) == static_cast<int>(plan.key_columns.size());
    for (size_t k = 0; same_key && k < plan.key_columns.size(); k++)
        same_key = pg::Call(list_nth_int, static_cast<const List *>(pk), static_cast<int>(k)) == plan.key_columns[k] + 1;
    if (!same_key)
        throw Error(sqlstate::kInvalidTableDefinition,
                    "the new definition of TVIEW " + Str(pg::Call(RelationName, tview)) + " has another key",
                    "Its rows would be identified by other columns than the TVIEW's primary key.",
                    "Keep the same root table and key columns, or drop the TVIEW and create it again.");

    pg::Call(DropMaintenanceTriggers, tview);
    EnsureLookupIndexes(def, plan);
    std::set<Oid> sources = AttachToSources(tview, Str(pg::Call(RelationName, tview)), def, plan);
    std::vector<Oid> source_list(sources.begin(), sources.end());
    catalog::TviewRow row{};
    row.tview = tview;
    row.definition = pg::Call(catalog::DeparseQuery, original);
    row.query_tree = pg::Call(QueryTreeText, original);
    row.settings = pg::Call(CapturePinnedSettings);
    row.nsources = static_cast<int>(source_list.size());
    row.sources = source_list.data();
    row.populated = old_row->populated;
    pg::Call(catalog::ReplaceTview, static_cast<const catalog::TviewRow *>(&row));
    pg::Call(CommandCounter);
}

}  // namespace tviews::definition

// sql_api.cpp: the SQL functions users call: pg_tviews_create, pg_tviews_refresh, pg_tviews_verify.
//
// Regime: entry points (guarded) over PostgreSQL-side C-style bodies.
#include "boundary/guard.hpp"
#include "definition/create.hpp"
#include "catalog/catalog.hpp"
#include "runtime/maintain.hpp"
#include "runtime/refresh.hpp"
#include "runtime/tview_cache.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
}

namespace {

tviews::catalog::TviewRow *RequireTview(Oid relid) {
    tviews::catalog::TviewRow *row = tviews::catalog::ReadTview(relid);
    if (row == nullptr) {
        char *name = get_rel_name(relid);
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        name != nullptr ? errmsg("\"%s\" is not a TVIEW", name)
                                        : errmsg("relation with OID %u does not exist", relid),
                        errhint("TVIEWs are created with CREATE TABLE ... USING tview_am AS SELECT ....")));
    }
    return row;
}

Datum Create(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("pg_tviews_create() needs a name and a query")));
    List *names = tviews::pg::QualifiedNameList(text_to_cstring(PG_GETARG_TEXT_PP(0)));
    RangeVar *rv = makeRangeVarFromNameList(names);
    char *name = rv->schemaname != nullptr ? quote_qualified_identifier(rv->schemaname, rv->relname)
                                           : pstrdup(quote_identifier(rv->relname));
    char *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
    // Exactly one SELECT: the text is appended to CREATE TABLE ... AS and must not smuggle in
    // other statements.
    List *parsed = raw_parser(query, RAW_PARSE_DEFAULT);
    if (list_length(parsed) != 1 || !IsA(linitial_node(RawStmt, parsed)->stmt, SelectStmt))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("pg_tviews_create() needs exactly one SELECT query"),
                        errdetail("The query text holds %d statement(s)%s.", list_length(parsed),
                                  list_length(parsed) == 1 ? " that is not a SELECT" : ""),
                        errhint("Pass a single SELECT, without a trailing semicolon-separated statement.")));
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute(psprintf("CREATE TABLE %s USING tview_am AS %s", name, query), false, 0);
    if (rc != SPI_OK_UTILITY) elog(ERROR, "pg_tviews_create: unexpected result %d", rc);
    SPI_finish();
    PG_RETURN_OID(RangeVarGetRelid(rv, NoLock, false));
}

void RefreshTview(Oid relid) {
    // Maintenance of concurrent writers waits for the refresh (and the other way round).
    LockRelationOid(relid, ExclusiveLock);
    tviews::catalog::TviewRow *row = RequireTview(relid);
    if (!tviews::pg::OwnsClass(relid, GetUserId()))
        aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
    int scope = tviews::runtime::EnterScope(GetUserId(), row->settings);
    tviews::runtime::FullRefresh(relid, tviews::catalog::CurrentDefinition(row->query_tree));
    tviews::runtime::LeaveScope(scope);
    if (!row->populated) tviews::catalog::SetPopulated(relid, true);
    CacheInvalidateRelcacheByRelid(relid);
}

Datum Refresh(FunctionCallInfo fcinfo) {
    RefreshTview(PG_GETARG_OID(0));
    PG_RETURN_VOID();
}

void RequireArguments(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("pg_tviews_alter() needs a TVIEW and a query")));
}

void Invalidate(Oid relid) {
    CacheInvalidateRelcacheByRelid(relid);
    CommandCounterIncrement();
}

Datum Verify(FunctionCallInfo fcinfo) {
    Oid relid = PG_GETARG_OID(0);
    tviews::catalog::TviewRow *row = RequireTview(relid);
    int scope = tviews::runtime::EnterScope(GetUserId(), row->settings);
    int64 differences = tviews::runtime::CountDifferences(relid, tviews::catalog::CurrentDefinition(row->query_tree));
    tviews::runtime::LeaveScope(scope);
    PG_RETURN_INT64(differences);
}

}  // namespace

TVIEWS_FUNCTION(pg_tviews_create) { return Create(fcinfo); }
TVIEWS_FUNCTION(pg_tviews_refresh) { return Refresh(fcinfo); }
TVIEWS_FUNCTION(pg_tviews_verify) { return Verify(fcinfo); }

// pg_tviews_alter(tview regclass, query text): a new defining query for an existing TVIEW (same
// columns and key), keeping its name, indexes, grants and the TVIEWs that read it; its rows are
// rebuilt from the new definition in the same transaction.
TVIEWS_FUNCTION(pg_tviews_alter) {
    using namespace tviews;
    pg::Call(RequireArguments, fcinfo);
    Oid relid = PG_GETARG_OID(0);
    char *sql = pg::Call(text_to_cstring, static_cast<const text *>(PG_GETARG_TEXT_PP(1)));
    definition::AlterTview(relid, sql);
    pg::Call(Invalidate, relid);
    pg::Call(RefreshTview, relid);
    PG_RETURN_VOID();
}

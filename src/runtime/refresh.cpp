// refresh.cpp: see refresh.hpp.
#include "runtime/refresh.hpp"

#include "am/tview_am.hpp"
#include "catalog/relations.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace tviews::runtime {

namespace {

void Execute(const char *sql, int expected) {
    int rc = SPI_execute(sql, false, 0);
    if (rc != expected) elog(ERROR, "pg_tviews: SPI_execute returned %d for: %s", rc, sql);
}

}  // namespace

void FullRefresh(Oid tview, const char *definition) {
    char *name = catalog::QualifiedName(tview);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    bool window = am::SetEngineWrites(true);
    Execute(psprintf("DELETE FROM %s", name), SPI_OK_DELETE);
    Execute(psprintf("INSERT INTO %s %s", name, definition), SPI_OK_INSERT);
    am::SetEngineWrites(window);
    SPI_finish();
}

int64 CountDifferences(Oid tview, const char *definition) {
    char *name = catalog::QualifiedName(tview);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    char *sql = psprintf("SELECT count(*) FROM ((TABLE %s EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL TABLE %s)) d", name,
                         definition, definition, name);
    Execute(sql, SPI_OK_SELECT);
    bool isnull;
    int64 count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    SPI_finish();
    return count;
}

}  // namespace tviews::runtime

// relations.cpp: see relations.hpp.
#include "catalog/relations.hpp"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_index.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
}

namespace tviews::catalog {

char *QualifiedName(Oid relid) {
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

Oid FindLookupIndex(Oid relid, const AttrNumber *attnos, int n, bool unique) {
    Relation rel = table_open(relid, AccessShareLock);
    List *indexes = RelationGetIndexList(rel);
    Oid found = InvalidOid;
    ListCell *lc;
    foreach (lc, indexes) {
        Relation index = index_open(lfirst_oid(lc), AccessShareLock);
        Form_pg_index form = index->rd_index;
        bool ok = form->indisvalid && index->rd_rel->relam == BTREE_AM_OID && form->indnkeyatts >= n &&
                  RelationGetIndexPredicate(index) == NIL && (!unique || (form->indisunique && form->indnkeyatts == n));
        for (int i = 0; ok && i < n; i++) {
            bool in_set = false;
            for (int j = 0; j < n; j++) in_set |= form->indkey.values[i] == attnos[j];
            ok = in_set;
        }
        index_close(index, AccessShareLock);
        if (ok) {
            found = lfirst_oid(lc);
            break;
        }
    }
    list_free(indexes);
    table_close(rel, AccessShareLock);
    return found;
}

}  // namespace tviews::catalog

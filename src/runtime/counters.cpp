// counters.cpp: see counters.hpp.
#include "runtime/counters.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "common/int.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
}

namespace tviews::runtime {

namespace {

// The aggregate's value in the TVIEW row as it is (tview_old): the column, or the number at the
// leaf's JSON path. False if it is not there as it should be (the subquery runs instead).
bool CurrentCount(TupleTableSlot *old, const CompiledLeaf &leaf, Oid type, Datum *value, bool *isnull) {
    if (leaf.path == 0) {
        *value = old->tts_values[leaf.column];
        *isnull = old->tts_isnull[leaf.column];
        return true;
    }
    if (old->tts_isnull[leaf.column]) return false;
    bool missing;
    Datum found = jsonb_get_element(DatumGetJsonbP(old->tts_values[leaf.column]), leaf.path_elems, leaf.npath,
                                    &missing, false);
    if (missing) return false;
    JsonbValue scalar;
    if (!JsonbExtractScalar(&DatumGetJsonbP(found)->root, &scalar)) return false;
    if (scalar.type == jbvNull) {
        *isnull = true;
        *value = 0;
        return true;
    }
    if (scalar.type != jbvNumeric) return false;
    *isnull = false;
    *value = type == INT8OID ? DirectFunctionCall1(numeric_int8, NumericGetDatum(scalar.val.numeric))
                             : NumericGetDatum(scalar.val.numeric);
    return true;
}

}  // namespace

bool CounterFromChange(const CompiledLeaf &leaf, TupleDesc child, List *patches, TupleTableSlot *current_row, Datum *value,
                       bool *isnull) {
    const CompiledCounter &c = leaf.counter;
    Oid type = c.kind == CounterKind::kSumInt8 ? NUMERICOID : INT8OID;
    int64 delta = 0;           // counts and sum(int2/int4)
    Datum delta_numeric = 0;   // sum(int8)
    bool summed = false;       // a non-NULL value was added
    bool removed_value = false;
    ListCell *lc;
    foreach (lc, patches) {
        auto *p = static_cast<Patch *>(lfirst(lc));
        if (p->node != c.node) continue;  // the caller checked no other change reaches the leaf
        if (p->added == nullptr && p->removed == nullptr) return false;
        bool anull = true, rnull = true;
        Datum a = 0, r = 0;
        if (c.kind != CounterKind::kCountStar) {
            if (p->added != nullptr) a = heap_getattr(p->added, c.attno, child, &anull);
            if (p->removed != nullptr) r = heap_getattr(p->removed, c.attno, child, &rnull);
        }
        switch (c.kind) {
            case CounterKind::kCountStar:
                delta += (p->added != nullptr) - (p->removed != nullptr);
                break;
            case CounterKind::kCountColumn:
                delta += (p->added != nullptr && !anull) - (p->removed != nullptr && !rnull);
                break;
            case CounterKind::kSumInt:
            case CounterKind::kSumInt8: {
                if (!rnull && anull) return false;  // may have been the last non-NULL value
                if (anull) break;
                summed = true;
                removed_value |= !rnull;
                if (c.kind == CounterKind::kSumInt8) {
                    Datum d = DirectFunctionCall1(int8_numeric, a);
                    if (!rnull) d = DirectFunctionCall2(numeric_sub, d, DirectFunctionCall1(int8_numeric, r));
                    delta_numeric = delta_numeric == 0 ? d : DirectFunctionCall2(numeric_add, delta_numeric, d);
                } else {
                    int64 av = TupleDescAttr(child, c.attno - 1)->atttypid == INT2OID ? DatumGetInt16(a) : DatumGetInt32(a);
                    int64 rv = rnull ? 0 : (TupleDescAttr(child, c.attno - 1)->atttypid == INT2OID ? DatumGetInt16(r)
                                                                                                  : DatumGetInt32(r));
                    if (pg_add_s64_overflow(delta, av - rv, &delta)) return false;
                }
                break;
            }
            case CounterKind::kNone: return false;
        }
    }
    // The value in the row must be one our changes have not reached yet: a row version written by
    // another (committed) transaction. One this transaction wrote may have run the subquery
    // after these child rows changed (a cascade or a CTE changed parent and children in one
    // statement, and the parent's kernel ran first): adding the change again would count it twice.
    HeapTuple current_version = ExecFetchSlotHeapTuple(current_row, false, nullptr);
    if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(current_version->t_data))) return false;
    Datum current;
    bool current_null;
    if (!CurrentCount(current_row, leaf, type, &current, &current_null)) return false;
    if (c.kind == CounterKind::kCountStar || c.kind == CounterKind::kCountColumn) {
        int64 result;
        if (current_null || pg_add_s64_overflow(DatumGetInt64(current), delta, &result) || result < 0) return false;
        *value = Int64GetDatum(result);
        *isnull = false;
        return true;
    }
    if (!summed) {  // nothing added or taken: the sum stays
        *value = current;
        *isnull = current_null;
        return true;
    }
    if (current_null) {
        if (removed_value) return false;  // a value taken from a NULL sum: not what the row says
        current = c.kind == CounterKind::kSumInt8 ? DirectFunctionCall1(int8_numeric, Int64GetDatum(0)) : Int64GetDatum(0);
    }
    if (c.kind == CounterKind::kSumInt8) {
        *value = DirectFunctionCall2(numeric_add, current, delta_numeric);
    } else {
        int64 result;
        if (pg_add_s64_overflow(DatumGetInt64(current), delta, &result)) return false;
        *value = Int64GetDatum(result);
    }
    *isnull = false;
    return true;
}

}  // namespace tviews::runtime

// program.hpp: the per-row part of a refresh kernel, as a small program both tiers run.
//
// Regime: pure C++ (no PostgreSQL, no LLVM). For each source of a TVIEW and kind of change, the
// work a kernel does for every changed row before it touches an index: which of the columns the
// TVIEW reads changed, and what that means (nothing, a patch, a recompute, a key change), or the
// key values through which an inserted or deleted row's dependents are found. The runtime builds
// these programs from a compiled TVIEW (attribute numbers, types, key and structural columns
// known); the interpreted tier runs them with Interpret*(), the compiled tier (src/jit) turns the
// same program into native code. Both read the row as PostgreSQL deformed it (values and null
// flags, attno a at index a - 1) and must give identical results.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tviews::program {

using Word = uint64_t;  // a Datum

// How two non-NULL values of a column are compared: as words (pass-by-value types, the way
// datumIsEqual does), or by the runtime's helper (pass-by-reference types: bytes, varlena and
// cstring representations compared as stored, again as datumIsEqual does).
enum class Compare : uint8_t { kWord, kByRef };

struct Column {
    int attno = 0;
    Compare compare = Compare::kWord;
    int16_t typlen = 0;       // for kByRef: > 0 fixed length, -1 varlena, -2 cstring
    bool key = false;         // a key column of the node's edge (or the root's key)
    bool structural = false;  // its change changes which rows or partners exist
};

// What an update of one row means for the TVIEW.
enum Verdict : int32_t {
    kUnchanged = 0,   // no column the TVIEW reads changed
    kPatch = 1,       // only copied values changed: patch the leaves reading them
    kRecompute = 2,   // a structural column changed (or the node is conditional)
    kKeyChanged = 3,  // the row's key changed: old and new dependents are recomputed
};

struct UpdateProgram {
    std::vector<Column> columns;  // the columns the TVIEW reads, ascending attno
    bool conditional = false;     // every change is a recompute (edge filters here or above)
    int natts = 0;                // the highest attno read (the row is deformed up to it)
};

// Key values of a row: for an insert or delete, the values that find its dependents.
struct KeyProgram {
    std::vector<int> attnos;
    int natts = 0;
};

// The C interface of both tiers. `changed` is a bitset over attnos (bit a of word a / 64),
// ChangedWords(natts) words, fully written by the kernel.
using DatumEqualFn = int32_t (*)(Word a, Word b, int32_t typlen);
using UpdateFn = int32_t (*)(const Word *old_values, const bool *old_nulls, const Word *new_values,
                             const bool *new_nulls, Word *changed);
using KeyFn = int32_t (*)(const Word *values, const bool *nulls, Word *keys);  // 0: a key is NULL

inline int ChangedWords(int natts) { return natts / 64 + 1; }
inline bool IsChanged(const Word *changed, int attno) { return (changed[attno / 64] >> (attno % 64)) & 1; }

int32_t InterpretUpdate(const UpdateProgram &program, DatumEqualFn equal, const Word *old_values,
                        const bool *old_nulls, const Word *new_values, const bool *new_nulls, Word *changed);
int32_t InterpretKey(const KeyProgram &program, const Word *values, const bool *nulls, Word *keys);

// A readable listing of a program (tests, EXPLAIN).
std::string Describe(const UpdateProgram &program);
std::string Describe(const KeyProgram &program);

}  // namespace tviews::program

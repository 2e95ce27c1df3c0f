// program.cpp: the interpreted tier: runs the per-row programs of program.hpp in C++.
#include "program/program.hpp"

namespace tviews::program {

int32_t InterpretUpdate(const UpdateProgram &program, DatumEqualFn equal, const Word *old_values,
                        const bool *old_nulls, const Word *new_values, const bool *new_nulls, Word *changed) {
    int words = ChangedWords(program.natts);
    for (int w = 0; w < words; w++) changed[w] = 0;
    bool any = false, key = false, structural = false;
    for (const Column &c : program.columns) {
        int i = c.attno - 1;
        bool differs;
        if (old_nulls[i] != new_nulls[i]) {
            differs = true;
        } else if (old_nulls[i]) {
            differs = false;
        } else if (c.compare == Compare::kWord) {
            differs = old_values[i] != new_values[i];
        } else {
            differs = equal(old_values[i], new_values[i], c.typlen) == 0;
        }
        if (!differs) continue;
        changed[c.attno / 64] |= Word{1} << (c.attno % 64);
        any = true;
        key |= c.key;
        structural |= c.structural;
    }
    if (!any) return kUnchanged;
    if (key) return kKeyChanged;
    if (structural || program.conditional) return kRecompute;
    return kPatch;
}

int32_t InterpretKey(const KeyProgram &program, const Word *values, const bool *nulls, Word *keys) {
    for (size_t k = 0; k < program.attnos.size(); k++) {
        int i = program.attnos[k] - 1;
        if (nulls[i]) return 0;
        keys[k] = values[i];
    }
    return 1;
}

std::string Describe(const UpdateProgram &program) {
    std::string out = "update:";
    for (const Column &c : program.columns) {
        out += " " + std::to_string(c.attno);
        out += c.compare == Compare::kWord ? "=word" : "=ref(" + std::to_string(c.typlen) + ")";
        if (c.key) out += "/key";
        if (c.structural) out += "/structural";
    }
    if (program.conditional) out += " conditional";
    return out;
}

std::string Describe(const KeyProgram &program) {
    std::string out = "key:";
    for (int a : program.attnos) out += " " + std::to_string(a);
    return out;
}

}  // namespace tviews::program

// jit_test.cpp: the compiled tier of the kernel programs gives the interpreter's results.
//
// No server: programs are built by hand, rows are arrays of words and null flags, by-reference
// values are pointers to strings compared by a stand-in for the runtime's helper.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>

#include "jit/compiler.hpp"
#include "program/program.hpp"

using namespace tviews;

namespace {

int calls = 0;

// The stand-in for the runtime's datum comparison: by-reference values point at C strings.
int32_t EqualStrings(program::Word a, program::Word b, int32_t typlen) {
    calls++;
    EXPECT_EQ(typlen, -1);
    return std::strcmp(reinterpret_cast<const char *>(a), reinterpret_cast<const char *>(b)) == 0;
}

program::Column Col(int attno, program::Compare compare, bool key = false, bool structural = false) {
    program::Column c;
    c.attno = attno;
    c.compare = compare;
    c.typlen = compare == program::Compare::kWord ? 8 : -1;
    c.key = key;
    c.structural = structural;
    return c;
}

const char *kStrings[] = {"alpha", "beta", "alpha", "", "gamma"};  // [0] and [2]: equal, not the same pointer

struct Row {
    std::vector<program::Word> values;
    std::vector<char> nulls;  // bool-sized
};

Row RandomRow(std::mt19937 &rng, const program::UpdateProgram &p) {
    Row row;
    row.values.assign(p.natts, 0);
    row.nulls.assign(p.natts, 0);
    for (const program::Column &c : p.columns) {
        int i = c.attno - 1;
        row.nulls[i] = rng() % 5 == 0;
        row.values[i] = c.compare == program::Compare::kWord ? rng() % 3
                                                             : reinterpret_cast<program::Word>(kStrings[rng() % 5]);
    }
    return row;
}

const bool *Nulls(const Row &r) { return reinterpret_cast<const bool *>(r.nulls.data()); }

program::UpdateProgram RandomProgram(std::mt19937 &rng) {
    program::UpdateProgram p;
    int attno = 0;
    int n = 1 + rng() % 8;
    for (int k = 0; k < n; k++) {
        attno += 1 + rng() % 40;  // spans several bitset words
        p.columns.push_back(Col(attno, rng() % 2 ? program::Compare::kWord : program::Compare::kByRef, rng() % 6 == 0,
                                rng() % 4 == 0));
    }
    p.natts = attno + static_cast<int>(rng() % 3);
    p.conditional = rng() % 7 == 0;
    return p;
}

}  // namespace

TEST(KernelProgram, InterpreterVerdicts) {
    program::UpdateProgram p;
    p.columns = {Col(1, program::Compare::kWord, true), Col(2, program::Compare::kByRef),
                 Col(3, program::Compare::kWord, false, true)};
    p.natts = 3;
    Row before{{7, reinterpret_cast<program::Word>(kStrings[0]), 1}, {0, 0, 0}};
    Row after = before;
    program::Word changed[1];
    EXPECT_EQ(program::InterpretUpdate(p, EqualStrings, before.values.data(), Nulls(before), after.values.data(),
                                      Nulls(after), changed),
              program::kUnchanged);
    after.values[1] = reinterpret_cast<program::Word>(kStrings[2]);  // equal text, other pointer
    EXPECT_EQ(program::InterpretUpdate(p, EqualStrings, before.values.data(), Nulls(before), after.values.data(),
                                      Nulls(after), changed),
              program::kUnchanged);
    after.values[1] = reinterpret_cast<program::Word>(kStrings[1]);
    EXPECT_EQ(program::InterpretUpdate(p, EqualStrings, before.values.data(), Nulls(before), after.values.data(),
                                      Nulls(after), changed),
              program::kPatch);
    EXPECT_TRUE(program::IsChanged(changed, 2));
    EXPECT_FALSE(program::IsChanged(changed, 1));
    after.nulls[2] = 1;
    EXPECT_EQ(program::InterpretUpdate(p, EqualStrings, before.values.data(), Nulls(before), after.values.data(),
                                      Nulls(after), changed),
              program::kRecompute);
    after.values[0] = 8;
    EXPECT_EQ(program::InterpretUpdate(p, EqualStrings, before.values.data(), Nulls(before), after.values.data(),
                                      Nulls(after), changed),
              program::kKeyChanged);
}

TEST(KernelJit, EmitsVerifiedIr) {
    jit::UnitRequest request;
    request.name = "tv_ir";
    program::UpdateProgram p;
    p.columns = {Col(2, program::Compare::kWord), Col(70, program::Compare::kByRef, false, true)};
    p.natts = 70;
    request.updates.push_back(p);
    program::KeyProgram k;
    k.attnos = {1, 3};
    k.natts = 3;
    request.keys.push_back(k);
    std::string ir = jit::EmitIr(request);
    EXPECT_NE(ir.find("define i32 @tv_ir_update_0"), std::string::npos) << ir;
    EXPECT_NE(ir.find("define i32 @tv_ir_key_0"), std::string::npos) << ir;
    EXPECT_NE(ir.find("call i32 @tviews_jit_datum_equal"), std::string::npos) << ir;
}

TEST(KernelJit, CompiledTierAgreesWithInterpreter) {
    jit::Compiler compiler(EqualStrings);
    std::mt19937 rng(42);
    for (int round = 0; round < 20; round++) {
        jit::UnitRequest request;
        request.name = "tv_round" + std::to_string(round);
        for (int k = 0; k < 4; k++) request.updates.push_back(RandomProgram(rng));
        program::KeyProgram key;
        key.attnos = {2, 1};
        key.natts = 2;
        request.keys.push_back(key);
        jit::Unit unit = compiler.Compile(request);
        ASSERT_TRUE(unit.error.empty()) << unit.error;
        ASSERT_NE(unit.handle, 0u);
        for (size_t k = 0; k < request.updates.size(); k++) {
            const program::UpdateProgram &p = request.updates[k];
            for (int trial = 0; trial < 200; trial++) {
                Row before = RandomRow(rng, p), after = RandomRow(rng, p);
                std::vector<program::Word> c1(program::ChangedWords(p.natts), ~0ull), c2(program::ChangedWords(p.natts), ~0ull);
                int32_t interpreted = program::InterpretUpdate(p, EqualStrings, before.values.data(), Nulls(before),
                                                              after.values.data(), Nulls(after), c1.data());
                int32_t compiled = unit.updates[k](before.values.data(), Nulls(before), after.values.data(),
                                                   Nulls(after), c2.data());
                ASSERT_EQ(interpreted, compiled) << program::Describe(p);
                ASSERT_EQ(c1, c2) << program::Describe(p);
            }
        }
        Row row{{5, 6}, {0, 0}};
        program::Word keys[2] = {0, 0}, expect[2] = {0, 0};
        ASSERT_EQ(unit.keys[0](row.values.data(), Nulls(row), keys), 1);
        ASSERT_EQ(program::InterpretKey(request.keys[0], row.values.data(), Nulls(row), expect), 1);
        EXPECT_EQ(keys[0], 6u);
        EXPECT_EQ(keys[1], 5u);
        EXPECT_EQ(expect[0], keys[0]);
        row.nulls[0] = 1;
        EXPECT_EQ(unit.keys[0](row.values.data(), Nulls(row), keys), 0);
        EXPECT_EQ(program::InterpretKey(request.keys[0], row.values.data(), Nulls(row), expect), 0);
        compiler.Release(unit.handle);
    }
    EXPECT_EQ(compiler.live_units(), 0u);
}

TEST(KernelJit, ByReferenceComparedOnlyWhenBothPresent) {
    jit::Compiler compiler(EqualStrings);
    jit::UnitRequest request;
    request.name = "tv_calls";
    program::UpdateProgram p;
    p.columns = {Col(1, program::Compare::kByRef)};
    p.natts = 1;
    request.updates.push_back(p);
    jit::Unit unit = compiler.Compile(request);
    ASSERT_TRUE(unit.error.empty()) << unit.error;
    Row a{{0}, {1}}, b{{reinterpret_cast<program::Word>(kStrings[0])}, {0}};
    program::Word changed[1];
    calls = 0;
    EXPECT_EQ(unit.updates[0](a.values.data(), Nulls(a), b.values.data(), Nulls(b), changed), program::kPatch);
    EXPECT_EQ(unit.updates[0](a.values.data(), Nulls(a), a.values.data(), Nulls(a), changed), program::kUnchanged);
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(unit.updates[0](b.values.data(), Nulls(b), b.values.data(), Nulls(b), changed), program::kUnchanged);
    EXPECT_EQ(calls, 1);
}

TEST(KernelJit, CompilesATviewsKernelsQuickly) {
    // A TVIEW over three sources: three update and six key kernels in one unit. The first unit
    // of a backend also starts LLVM ORC; the second shows the steady cost.
    jit::Compiler compiler(EqualStrings);
    std::mt19937 rng(7);
    double ms[2];
    for (int u = 0; u < 2; u++) {
        jit::UnitRequest request;
        request.name = "tv_speed" + std::to_string(u);
        for (int s = 0; s < 3; s++) request.updates.push_back(RandomProgram(rng));
        for (int s = 0; s < 6; s++) {
            program::KeyProgram k;
            k.attnos = {1};
            k.natts = 1;
            request.keys.push_back(k);
        }
        jit::Unit unit = compiler.Compile(request);
        ASSERT_TRUE(unit.error.empty()) << unit.error;
        ms[u] = unit.compile_ms;
    }
    std::printf("compile time per TVIEW (9 kernels): first %.2f ms (with LLJIT start), then %.2f ms\n", ms[0], ms[1]);
    EXPECT_GT(ms[1], 0.0);
}

// compiler.cpp: see compiler.hpp.
//
// Regime: pure C++ with LLVM headers (never alongside PostgreSQL headers). The IR is straight-line
// per column: null flags and words compared without branches, a call to the runtime's datum
// comparison only when both values of a by-reference column are present, the changed-attno
// bitset kept in SSA registers and stored once at the end.
#include "jit/compiler.hpp"
#include "boundary/llvm_compat.hpp"

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>

#include <chrono>
#include <map>

namespace tviews::jit {

namespace {

constexpr const char *kDatumEqual = "tviews_jit_datum_equal";

struct Emitter {
    llvm::LLVMContext &ctx;
    llvm::Module &module;
    llvm::IRBuilder<> b;
    llvm::Type *i8, *i32, *i64;
    llvm::PointerType *ptr_i8, *ptr_i64;
    llvm::FunctionCallee datum_equal;

    Emitter(llvm::LLVMContext &c, llvm::Module &m) : ctx(c), module(m), b(c) {
        i8 = llvm::Type::getInt8Ty(c);
        i32 = llvm::Type::getInt32Ty(c);
        i64 = llvm::Type::getInt64Ty(c);
        ptr_i8 = llvm::PointerType::getUnqual(i8);
        ptr_i64 = llvm::PointerType::getUnqual(i64);
        datum_equal = m.getOrInsertFunction(kDatumEqual, llvm::FunctionType::get(i32, {i64, i64, i32}, false));
    }

    llvm::Function *Declare(const std::string &name, llvm::FunctionType *type) {
        auto *f = llvm::Function::Create(type, llvm::Function::ExternalLinkage, name, module);
        f->addFnAttr(llvm::Attribute::NoUnwind);
        return f;
    }

    llvm::Value *Load(llvm::Type *type, llvm::Value *base, int index) {
        llvm::Value *at = b.CreateConstInBoundsGEP1_64(type, base, static_cast<uint64_t>(index));
        return b.CreateLoad(type, at);
    }

    // int32 fn(const Word *ov, const bool *on, const Word *nv, const bool *nn, Word *changed)
    void Update(const std::string &name, const program::UpdateProgram &p) {
        auto *type = llvm::FunctionType::get(i32, {ptr_i64, ptr_i8, ptr_i64, ptr_i8, ptr_i64}, false);
        llvm::Function *f = Declare(name, type);
        auto arg = f->arg_begin();
        llvm::Value *ov = &*arg++, *on = &*arg++, *nv = &*arg++, *nn = &*arg++, *changed = &*arg++;
        b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
        int nwords = program::ChangedWords(p.natts);
        std::vector<llvm::Value *> words(nwords, b.getInt64(0));
        llvm::Value *any = b.getFalse(), *key = b.getFalse(), *structural = b.getFalse();
        llvm::Value *zero8 = llvm::ConstantInt::get(i8, 0);
        for (const program::Column &c : p.columns) {
            int i = c.attno - 1;
            std::string at = std::to_string(c.attno);
            llvm::Value *onull = Load(i8, on, i), *nnull = Load(i8, nn, i);
            llvm::Value *null_differs = b.CreateICmpNE(onull, nnull, "nulls" + at);
            llvm::Value *both = b.CreateAnd(b.CreateICmpEQ(onull, zero8), b.CreateICmpEQ(nnull, zero8));
            llvm::Value *value_differs;
            if (c.compare == program::Compare::kWord) {
                value_differs = b.CreateAnd(both, b.CreateICmpNE(Load(i64, ov, i), Load(i64, nv, i)));
            } else {  // the runtime compares the representations, only when both are present
                llvm::BasicBlock *from = b.GetInsertBlock();
                llvm::BasicBlock *call = llvm::BasicBlock::Create(ctx, "compare" + at, f);
                llvm::BasicBlock *join = llvm::BasicBlock::Create(ctx, "compared" + at, f);
                b.CreateCondBr(both, call, join);
                b.SetInsertPoint(call);
                llvm::Value *eq = b.CreateCall(datum_equal, {Load(i64, ov, i), Load(i64, nv, i),
                                                             b.getInt32(static_cast<uint32_t>(int32_t{c.typlen}))});
                llvm::Value *ne = b.CreateICmpEQ(eq, b.getInt32(0));
                b.CreateBr(join);
                b.SetInsertPoint(join);
                llvm::PHINode *phi = b.CreatePHI(b.getInt1Ty(), 2, "differs" + at);
                phi->addIncoming(b.getFalse(), from);
                phi->addIncoming(ne, call);
                value_differs = phi;
            }
            llvm::Value *differs = b.CreateOr(null_differs, value_differs);
            llvm::Value *bit = b.CreateShl(b.CreateZExt(differs, i64), b.getInt64(static_cast<uint64_t>(c.attno % 64)));
            words[c.attno / 64] = b.CreateOr(words[c.attno / 64], bit);
            any = b.CreateOr(any, differs);
            if (c.key) key = b.CreateOr(key, differs);
            if (c.structural) structural = b.CreateOr(structural, differs);
        }
        for (int w = 0; w < nwords; w++)
            b.CreateStore(words[w], b.CreateConstInBoundsGEP1_64(i64, changed, static_cast<uint64_t>(w)));
        if (p.conditional) structural = b.getTrue();
        llvm::Value *verdict = b.CreateSelect(structural, b.getInt32(program::kRecompute), b.getInt32(program::kPatch));
        verdict = b.CreateSelect(key, b.getInt32(program::kKeyChanged), verdict);
        verdict = b.CreateSelect(any, verdict, b.getInt32(program::kUnchanged));
        b.CreateRet(verdict);
    }

    // int32 fn(const Word *values, const bool *nulls, Word *keys)
    void Key(const std::string &name, const program::KeyProgram &p) {
        auto *type = llvm::FunctionType::get(i32, {ptr_i64, ptr_i8, ptr_i64}, false);
        llvm::Function *f = Declare(name, type);
        auto arg = f->arg_begin();
        llvm::Value *values = &*arg++, *nulls = &*arg++, *keys = &*arg++;
        b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
        llvm::BasicBlock *null_key = llvm::BasicBlock::Create(ctx, "null_key", f);
        for (size_t k = 0; k < p.attnos.size(); k++) {
            int i = p.attnos[k] - 1;
            llvm::BasicBlock *present = llvm::BasicBlock::Create(ctx, "key" + std::to_string(k), f);
            b.CreateCondBr(b.CreateICmpNE(Load(i8, nulls, i), llvm::ConstantInt::get(i8, 0)), null_key, present);
            b.SetInsertPoint(present);
            b.CreateStore(Load(i64, values, i), b.CreateConstInBoundsGEP1_64(i64, keys, k));
        }
        b.CreateRet(b.getInt32(1));
        b.SetInsertPoint(null_key);
        b.CreateRet(b.getInt32(0));
    }
};

std::string UpdateSymbol(const std::string &unit, size_t i) { return unit + "_update_" + std::to_string(i); }
std::string KeySymbol(const std::string &unit, size_t i) { return unit + "_key_" + std::to_string(i); }

// Builds the unit's module; an error message if it does not verify.
std::string BuildModule(const UnitRequest &request, llvm::Module &module) {
    Emitter e(module.getContext(), module);
    for (size_t i = 0; i < request.updates.size(); i++) e.Update(UpdateSymbol(request.name, i), request.updates[i]);
    for (size_t i = 0; i < request.keys.size(); i++) e.Key(KeySymbol(request.name, i), request.keys[i]);
    std::string problems;
    llvm::raw_string_ostream out(problems);
    if (llvm::verifyModule(module, &out)) return "generated code does not verify: " + out.str();
    return "";
}

void InitializeTarget() {
    static bool done = false;
    if (done) return;
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    done = true;
}

}  // namespace

struct Compiler::State {
    program::DatumEqualFn datum_equal;
    std::unique_ptr<llvm::orc::LLJIT> jit;
    std::map<uint64_t, llvm::orc::ResourceTrackerSP> units;
    uint64_t next = 1;

    std::string Start() {
        if (jit) return "";
        InitializeTarget();
        // Kernels are small and straight-line: fast instruction selection, no optimization
        // pipeline (the IR is emitted already in the shape the optimizer would give it).
        auto machine = llvm::orc::JITTargetMachineBuilder::detectHost();
        if (!machine) return "cannot describe the host to LLVM: " + llvm::toString(machine.takeError());
        machine->setCodeGenOptLevel(compat::kCodeGenNone);
        auto created = llvm::orc::LLJITBuilder()
                           .setJITTargetMachineBuilder(std::move(*machine))
                           .setNumCompileThreads(0)
                           .create();
        if (!created) return "cannot start LLVM ORC: " + llvm::toString(created.takeError());
        std::unique_ptr<llvm::orc::LLJIT> made = std::move(*created);
        llvm::orc::SymbolMap helpers;
        helpers[made->mangleAndIntern(kDatumEqual)] = compat::FunctionSymbol(datum_equal);
        if (llvm::Error err = made->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(helpers))))
            return "cannot bind the runtime's helpers: " + llvm::toString(std::move(err));
        jit = std::move(made);
        return "";
    }
};

Compiler::Compiler(program::DatumEqualFn datum_equal) : state_(new State) { state_->datum_equal = datum_equal; }

Compiler::~Compiler() {
    for (auto &unit : state_->units) llvm::consumeError(unit.second->remove());
    state_->units.clear();
    state_->jit.reset();
}

Unit Compiler::Compile(const UnitRequest &request) noexcept {
    Unit unit;
    auto started = std::chrono::steady_clock::now();
    try {
        if (std::string error = state_->Start(); !error.empty()) {
            unit.error = error;
            return unit;
        }
        llvm::orc::LLJIT &jit = *state_->jit;
        auto context = std::make_unique<llvm::LLVMContext>();
        auto module = std::make_unique<llvm::Module>(request.name, *context);
        module->setDataLayout(jit.getDataLayout());
        compat::SetTargetTriple(*module, jit.getTargetTriple());
        if (std::string error = BuildModule(request, *module); !error.empty()) {
            unit.error = error;
            return unit;
        }
        llvm::orc::ResourceTrackerSP tracker = jit.getMainJITDylib().createResourceTracker();
        if (llvm::Error err = jit.addIRModule(tracker, llvm::orc::ThreadSafeModule(std::move(module), std::move(context)))) {
            unit.error = llvm::toString(std::move(err));
            return unit;
        }
        auto resolve = [&](const std::string &symbol) -> uint64_t {
            auto found = jit.lookup(symbol);
            if (!found) {
                if (unit.error.empty()) unit.error = llvm::toString(found.takeError());
                else llvm::consumeError(found.takeError());
                return 0;
            }
            return compat::AddressOf(*found);
        };
        for (size_t i = 0; i < request.updates.size(); i++)
            unit.updates.push_back(reinterpret_cast<program::UpdateFn>(resolve(UpdateSymbol(request.name, i))));
        for (size_t i = 0; i < request.keys.size(); i++)
            unit.keys.push_back(reinterpret_cast<program::KeyFn>(resolve(KeySymbol(request.name, i))));
        if (!unit.error.empty()) {
            llvm::consumeError(tracker->remove());
            unit.updates.clear();
            unit.keys.clear();
            return unit;
        }
        unit.handle = state_->next++;
        state_->units[unit.handle] = tracker;
    } catch (const std::exception &e) {
        unit = Unit{};
        unit.error = e.what();
    } catch (...) {
        unit = Unit{};
        unit.error = "unknown failure in the kernel compiler";
    }
    unit.compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return unit;
}

void Compiler::Release(uint64_t handle) noexcept {
    try {
        auto it = state_->units.find(handle);
        if (it == state_->units.end()) return;
        llvm::consumeError(it->second->remove());
        state_->units.erase(it);
    } catch (...) {
    }
}

size_t Compiler::live_units() const noexcept { return state_->units.size(); }

std::string EmitIr(const UnitRequest &request) noexcept {
    try {
        llvm::LLVMContext context;
        llvm::Module module(request.name, context);
        std::string error = BuildModule(request, module);
        std::string text;
        llvm::raw_string_ostream out(text);
        module.print(out, nullptr);
        return error.empty() ? out.str() : error;
    } catch (...) {
        return "unknown failure";
    }
}

}  // namespace tviews::jit

// llvm_compat.hpp: the LLVM side of the version boundary. Each PostgreSQL server maps its own
// libLLVM (15: LLVM 14, 17: LLVM 19, 18: LLVM 21) and pg_tviews's compiled tier links the same
// one; the few ORC and CodeGen spellings that changed between those LLVM versions live here,
// with the same names on every version.
//
// Regime: pure C++ with LLVM headers. Never include this alongside PostgreSQL headers (Min,
// Max and _ clash); only src/jit includes it.
#pragma once

#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/JITSymbol.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/CodeGen.h>
#if __has_include(<llvm/TargetParser/Host.h>)  // LLVM 17 moved these out of Support and ADT
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>
#else
#include <llvm/ADT/Triple.h>
#include <llvm/Support/Host.h>
#endif

#include <cstdint>

namespace tviews::jit::compat {

// No optimization in code generation (an enum class since LLVM 18).
#if LLVM_VERSION_MAJOR >= 18
inline constexpr llvm::CodeGenOptLevel kCodeGenNone = llvm::CodeGenOptLevel::None;
#else
inline constexpr llvm::CodeGenOpt::Level kCodeGenNone = llvm::CodeGenOpt::None;
#endif

// The definition of an absolute symbol for a function of this process, callable from JIT code
// (ExecutorSymbolDef since LLVM 17, JITEvaluatedSymbol before).
template <typename Fn>
auto FunctionSymbol(Fn *fn) {
    auto flags = llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
#if LLVM_VERSION_MAJOR >= 17
    return llvm::orc::ExecutorSymbolDef(llvm::orc::ExecutorAddr::fromPtr(fn), flags);
#else
    return llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(fn), flags);
#endif
}

// The address LLJIT::lookup found (an ExecutorAddr since LLVM 15, a JITEvaluatedSymbol before).
#if LLVM_VERSION_MAJOR >= 15
inline uint64_t AddressOf(const llvm::orc::ExecutorAddr &found) { return found.getValue(); }
#else
inline uint64_t AddressOf(const llvm::JITEvaluatedSymbol &found) { return found.getAddress(); }
#endif

// A module's target triple (a Triple since LLVM 21, a string before).
inline void SetTargetTriple(llvm::Module &module, const llvm::Triple &triple) {
#if LLVM_VERSION_MAJOR >= 21
    module.setTargetTriple(triple);
#else
    module.setTargetTriple(triple.str());
#endif
}

}  // namespace tviews::jit::compat

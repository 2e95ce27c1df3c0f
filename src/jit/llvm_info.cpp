// llvm_info.cpp: see llvm_info.hpp.
//
// Regime: pure C++ with LLVM headers (never alongside PostgreSQL headers: Min, Max and _ clash).
#include "jit/llvm_info.hpp"

#include <llvm/Config/llvm-config.h>
#include <llvm/Support/Host.h>

namespace tviews::jit {

std::string LlvmVersion() { return LLVM_VERSION_STRING; }

std::string HostTriple() { return llvm::sys::getProcessTriple(); }

}  // namespace tviews::jit

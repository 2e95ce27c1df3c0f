// llvm_info.cpp: see llvm_info.hpp.
//
// Regime: pure C++ with LLVM headers (never alongside PostgreSQL headers: Min, Max and _ clash).
#include "jit/llvm_info.hpp"

#include "boundary/llvm_compat.hpp"

namespace tviews::jit {

std::string LlvmVersion() { return LLVM_VERSION_STRING; }

std::string HostTriple() { return llvm::sys::getProcessTriple(); }

}  // namespace tviews::jit

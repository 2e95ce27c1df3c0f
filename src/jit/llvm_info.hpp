// llvm_info.hpp: facts about the LLVM the refresh-kernel compiler is linked against.
//
// Regime: pure C++ (no PostgreSQL headers; LLVM headers only in the .cpp).
#pragma once

#include <string>

namespace tviews::jit {

// "14.0.6" and the like: must be the major version the server's own llvmjit.so maps.
std::string LlvmVersion();
// The target the kernels are compiled for, e.g. "x86_64-pc-linux-gnu".
std::string HostTriple();

}  // namespace tviews::jit

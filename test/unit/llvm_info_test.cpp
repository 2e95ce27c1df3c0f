// llvm_info_test.cpp: the kernel compiler links the LLVM major version the server's JIT uses.
#include "jit/llvm_info.hpp"

#include <gtest/gtest.h>

#include <string>

// PG_TVIEWS_SERVER_LLVM_MAJOR: the libLLVM the server's llvmjit.so links, read by CMake.
TEST(LlvmInfo, SameMajorVersionAsTheServersJit) {
    std::string major = std::to_string(PG_TVIEWS_SERVER_LLVM_MAJOR) + ".";
    EXPECT_EQ(tviews::jit::LlvmVersion().substr(0, major.size()), major);
}

TEST(LlvmInfo, KnowsTheHostTarget) {
    EXPECT_NE(tviews::jit::HostTriple().find("linux"), std::string::npos);
}

// llvm_info_test.cpp: the kernel compiler links the LLVM major version the server's JIT uses.
#include "jit/llvm_info.hpp"

#include <gtest/gtest.h>

TEST(LlvmInfo, SameMajorVersionAsTheServersJit) {
    EXPECT_EQ(tviews::jit::LlvmVersion().substr(0, 3), "14.");
}

TEST(LlvmInfo, KnowsTheHostTarget) {
    EXPECT_NE(tviews::jit::HostTriple().find("linux"), std::string::npos);
}

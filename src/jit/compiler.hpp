// compiler.hpp: compiles kernel programs (src/program/program.hpp) to native code with LLVM ORC.
//
// Regime: pure C++ with LLVM inside the .cpp only (no PostgreSQL headers). One Compiler per
// backend (LLJIT, no compile threads), created on first use and destroyed by the runtime from
// an on_proc_exit callback. A Unit is the native code of one TVIEW's kernels, compiled in one
// LLVM module and released as a whole (an LLVM resource tracker) when the TVIEW's compiled
// form is invalidated. Generated code calls back into the extension only through the C
// function given as `datum_equal` (bound by address, never through symbol lookup).
//
// Nothing here throws to the caller: failures come back as an error message, and the runtime
// keeps running those kernels in the interpreter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "program/program.hpp"

namespace tviews::jit {

struct UnitRequest {
    std::string name;                               // unique per backend (module and symbol prefix)
    std::vector<program::UpdateProgram> updates;     // compiled to UpdateFn
    std::vector<program::KeyProgram> keys;           // compiled to KeyFn
};

struct Unit {
    uint64_t handle = 0;                      // 0: nothing compiled
    std::vector<program::UpdateFn> updates;    // same order as the request
    std::vector<program::KeyFn> keys;
    double compile_ms = 0;                    // IR generation + native code
    std::string error;                        // non-empty: compilation failed, nothing to release
};

class Compiler {
public:
    explicit Compiler(program::DatumEqualFn datum_equal);
    ~Compiler();
    Compiler(const Compiler &) = delete;
    Compiler &operator=(const Compiler &) = delete;

    Unit Compile(const UnitRequest &request) noexcept;
    void Release(uint64_t handle) noexcept;
    size_t live_units() const noexcept;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// The LLVM IR text of a request (tests and debugging), or an error message.
std::string EmitIr(const UnitRequest &request) noexcept;

}  // namespace tviews::jit

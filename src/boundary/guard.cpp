// guard.cpp: turning C++ exceptions into PostgreSQL errors (see guard.hpp).
//
// Regime: the boundary itself. CaptureCurrentException() runs inside a catch block and must
// neither throw nor ereport; RaiseCaptured() runs after it with no C++ object alive.
#include "boundary/guard.hpp"

#include "core/error.hpp"

#include <cstring>
#include <new>

namespace tviews::pg {

const char *PgError::what() const noexcept {
    return (edata_ != nullptr && edata_->message != nullptr) ? edata_->message : "PostgreSQL error";
}

namespace {

// Copies text into the current memory context without ever raising (a failed allocation returns
// nullptr and the caller falls back to static text).
const char *CopyNoThrow(const char *text) noexcept {
    if (text == nullptr) return nullptr;
    size_t len = std::strlen(text);
    char *copy = static_cast<char *>(MemoryContextAllocExtended(CurrentMemoryContext, len + 1, MCXT_ALLOC_NO_OOM));
    if (copy == nullptr) return nullptr;
    std::memcpy(copy, text, len + 1);
    return copy;
}

const char *CopyNoThrow(const std::string &text) noexcept {
    return text.empty() ? nullptr : CopyNoThrow(text.c_str());
}

}  // namespace

CapturedError CaptureCurrentException() noexcept {
    CapturedError captured;
    try {
        throw;
    } catch (const PgError &e) {
        captured.pg_error = e.data();
    } catch (const tviews::Error &e) {
        captured.sqlerrcode = e.state().Packed();
        captured.message = CopyNoThrow(e.message());
        captured.detail = CopyNoThrow(e.detail());
        captured.hint = CopyNoThrow(e.hint());
        if (captured.message == nullptr) captured.message = "pg_tviews error (message lost: out of memory)";
    } catch (const std::bad_alloc &) {
        captured.sqlerrcode = ERRCODE_OUT_OF_MEMORY;
        captured.message = "out of memory in pg_tviews";
    } catch (const std::exception &e) {
        captured.sqlerrcode = ERRCODE_INTERNAL_ERROR;
        captured.message = CopyNoThrow(e.what());
        if (captured.message == nullptr) captured.message = "unexpected C++ exception in pg_tviews";
        captured.detail = "A C++ exception reached the pg_tviews boundary.";
    } catch (...) {
        captured.sqlerrcode = ERRCODE_INTERNAL_ERROR;
        captured.message = "unexpected C++ exception of unknown type in pg_tviews";
    }
    return captured;
}

void RaiseCaptured(const CapturedError &error) {
    if (error.pg_error != nullptr) ReThrowError(error.pg_error);
    ereport(ERROR, (errcode(error.sqlerrcode), errmsg_internal("%s", error.message),
                    error.detail ? errdetail_internal("%s", error.detail) : 0,
                    error.hint ? errhint("%s", error.hint) : 0));
    pg_unreachable();
}

}  // namespace tviews::pg

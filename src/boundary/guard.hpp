// guard.hpp: the C++/PostgreSQL error boundary.
//
// Regime: the boundary itself. Two rules keep a C++ extension from taking the cluster down:
//  1. No C++ exception may reach PostgreSQL's C frames (it would abort the backend). Every
//     extern "C" entry point runs its body through Guarded(), which catches everything and
//     raises the PostgreSQL ERROR only after all C++ frames are gone, keeping the SQLSTATE,
//     message, detail and hint.
//  2. No ereport() may longjmp over a live C++ object (its destructor would never run).
//     C++ code that owns objects calls into PostgreSQL through Call(), which must be the
//     innermost frame around the call: it catches the PostgreSQL error with PG_TRY, copies it,
//     and rethrows it as a C++ exception (PgError) that unwinds normally up to Guarded().
#pragma once

#include "boundary/pg.hpp"

extern "C" {
#include "utils/elog.h"
#include "utils/memutils.h"
}

#include <exception>
#include <type_traits>
#include <utility>

namespace tviews::pg {

// A PostgreSQL error caught by Call(), travelling through C++ frames. Owns a palloc'd copy of
// the ErrorData (in the memory context that was current at the call).
class PgError : public std::exception {
public:
    explicit PgError(ErrorData *edata) : edata_(edata) {}
    const char *what() const noexcept override;
    ErrorData *data() const { return edata_; }

private:
    ErrorData *edata_;
};

// Everything needed to raise an error, in plain palloc'd memory: no C++ object stays alive while
// RaiseCaptured() longjmps.
struct CapturedError {
    ErrorData *pg_error = nullptr;  // set when the error came from PostgreSQL
    int sqlerrcode = 0;
    const char *message = nullptr;
    const char *detail = nullptr;
    const char *hint = nullptr;
};

// Called from inside a catch block: describes the exception in flight. Never throws, never
// ereports (allocation failures degrade to static text).
CapturedError CaptureCurrentException() noexcept;

// Raises the captured error as a PostgreSQL ERROR. Call only from a frame with no live C++
// objects that have destructors.
[[noreturn]] void RaiseCaptured(const CapturedError &error);

// Rule 1: the body of every extern "C" entry point.
template <typename F>
auto Guarded(F &&body) -> decltype(body()) {
    CapturedError error;
    try {
        return body();
    } catch (...) {
        error = CaptureCurrentException();
    }
    RaiseCaptured(error);
}

namespace detail {

// The frame that holds the sigsetjmp: its only locals are the volatile ones below, and the result
// is written through `out` into the caller's frame, so nothing can be clobbered by the longjmp.
template <typename Result, typename Fn, typename... Args>
ErrorData *Invoke(Result *out, Fn &fn, Args &...args) {
    MemoryContext volatile caller_context = CurrentMemoryContext;
    ErrorData *volatile caught = nullptr;
    PG_TRY();
    {
        if constexpr (std::is_void_v<Result>)
            fn(args...);
        else
            *out = fn(args...);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        caught = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return caught;
}

}  // namespace detail

// Rule 2: calls a PostgreSQL function that may ereport, from C++ code that owns objects.
// Must wrap the PostgreSQL call directly (no C++ objects created inside the call).
template <typename Fn, typename... Args>
auto Call(Fn &&fn, Args &&...args) -> decltype(fn(args...)) {
    using Result = decltype(fn(args...));
    if constexpr (std::is_void_v<Result>) {
        ErrorData *caught = detail::Invoke<void>(nullptr, fn, args...);
        if (caught != nullptr) throw PgError(caught);
    } else {
        static_assert(std::is_trivially_copyable_v<Result>, "Call() returns plain PostgreSQL values only");
        Result result{};
        ErrorData *caught = detail::Invoke<Result>(&result, fn, args...);
        if (caught != nullptr) throw PgError(caught);
        return result;
    }
}

}  // namespace tviews::pg

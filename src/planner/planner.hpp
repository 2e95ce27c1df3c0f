// planner.hpp: from a QueryShape to a RefreshPlan, or the reason the definition is refused.
//
// Regime: pure C++. These are the maintainability rules of docs/semantics.md (the shapes the
// engine maintains incrementally), in one place for the server and the offline checker.
#pragma once

#include <optional>

#include "planner/plan.hpp"
#include "planner/shape.hpp"

namespace tviews::planner {

PlanResult BuildPlan(const QueryShape &shape);

// The rules checked when a TVIEW is created or its definition changes (not each time a session
// loads its plan for maintenance): SELECT privilege of the creator on what the plan reads,
// join columns of one type, no row-level security applying to the creator, no temporary source
// under a permanent TVIEW. Needs the shape's relations' privileges, types and flags.
std::optional<Refusal> CheckSources(const QueryShape &shape, const RefreshPlan &plan);

// BuildPlan, then CheckSources: the verdict on a definition being created.
PlanResult PlanForCreate(const QueryShape &shape);

// Whether a function of PostgreSQL itself gives results that depend on time, the session or
// chance even though it is not volatile (now(), current_user, current_setting(), ...).
bool IsSessionDependent(const std::string &function_name);

}  // namespace tviews::planner

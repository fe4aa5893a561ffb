// fuzz_check.h: FUZZ_CHECK, the assertion of the fuzz targets. It aborts, so
// a broken invariant is a crash to libFuzzer (which keeps the input) and a
// failure to the replay driver, in any build type (assert() would vanish
// under NDEBUG).
//
//   FUZZ_CHECK(plan.ok() || !plan.status().message().empty(),
//              "an error says what is wrong");
#ifndef TESTS_FUZZ_FUZZ_CHECK_H_
#define TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

// FUZZ_CHECK aborts with `what` (a C string) when `condition` is false.
#define FUZZ_CHECK(condition, what)                                        \
  do {                                                                     \
    if (!(condition)) {                                                    \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, \
                   __LINE__, #condition, (what));                          \
      std::abort();                                                        \
    }                                                                      \
  } while (false)

#endif  // TESTS_FUZZ_FUZZ_CHECK_H_

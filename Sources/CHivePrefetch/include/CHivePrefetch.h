#ifndef CHIVE_PREFETCH_H
#define CHIVE_PREFETCH_H

/// Software prefetch for HiveVectors' graph walks. Swift has no prefetch intrinsic; this header
/// exposes the compiler builtin (part of the toolchain's clang) as static inline functions, so
/// the call compiles to a single `prefetcht0` in the Swift caller — no function call, no library.

/// Hints the CPU to bring the cache line holding `p` into every cache level (read, high locality).
static inline __attribute__((always_inline)) void hive_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// Prefetches `lines` consecutive 64-byte cache lines starting at `p`.
static inline __attribute__((always_inline)) void hive_prefetch_lines(const void *p, long lines) {
    const char *c = (const char *)p;
    for (long i = 0; i < lines; i++) __builtin_prefetch(c + 64 * i, 0, 3);
}

#endif

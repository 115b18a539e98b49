// Declares libFuzzer's driver entry point for Swift (see include/CLibFuzzer.h); the definition
// comes from compiler-rt when linking with -sanitize=fuzzer.
#include "CLibFuzzer.h"

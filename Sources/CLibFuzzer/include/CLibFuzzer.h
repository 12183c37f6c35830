#ifndef COFFER_CLIBFUZZER_H
#define COFFER_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver for programs with their own main (LLVM >= 12). Defined by the fuzzer runtime that
/// `-sanitize=fuzzer` links; referenced only from the fuzzing build of coffer-fuzz.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif

/* libFuzzer harness: the "classifier" target of fuzz/fuzz_targets.h (see there for what it checks).
 * Built and run by `make fuzz`. */
#include "fuzz_targets.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    return m2v_fuzz_init(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return m2v_fuzz_classifier(data, size);
}

#!/usr/bin/env bats
# The protocol module under libFuzzer (fuzz/proto_fuzz.c, `make fuzz`): a
# short run from the seed corpus, and every seed once. Needs clang's
# libFuzzer; the binary under test ($PORTPICKER) does not matter here.

load helpers

TOP=$BATS_TEST_DIRNAME/..

# Build build/proto_fuzz, or skip when clang cannot link a libFuzzer target.
build_fuzzer() {
    command -v clang >/dev/null || skip "clang is not installed"
    echo 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){return 0;}' |
        clang -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null ||
        skip "clang cannot link -fsanitize=fuzzer (no libFuzzer)"
    run make -C "$TOP" -s build/proto_fuzz
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "the protocol module survives 10 seconds of fuzzing from the seed corpus" {
    build_fuzzer
    cp -r "$TOP/fuzz/corpus" "$BATS_TEST_TMPDIR/corpus"
    run "$TOP/build/proto_fuzz" -max_total_time=10 -max_len=8192 \
        -artifact_prefix="$TOP/build/" "$BATS_TEST_TMPDIR/corpus"
    [ "$status" -eq 0 ] || echo "$output" | tail -30
    [ "$status" -eq 0 ]
}

@test "every seed request, good or bad, keeps the protocol module's promises" {
    build_fuzzer
    run "$TOP/build/proto_fuzz" -runs=0 -artifact_prefix="$TOP/build/" \
        "$TOP/fuzz/corpus"
    [ "$status" -eq 0 ] || echo "$output" | tail -30
    [ "$status" -eq 0 ]
    [[ "$output" == *"INITED"* ]]
}

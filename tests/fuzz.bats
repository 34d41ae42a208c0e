#!/usr/bin/env bats
# The libFuzzer targets (`make fuzz`): the request parsers (fuzz/wire_fuzz.c,
# seeds in fuzz/corpus) and the journal reader (fuzz/journal_fuzz.c, seeds
# in fuzz/journal-corpus): a short run of each from its seeds, and every
# seed once, so an input that once broke a promise stays a regression test.
# Needs clang's libFuzzer; the binary under test ($PORTPICKER) does not
# matter here.

load helpers

TOP=$BATS_TEST_DIRNAME/..

# build_fuzzer NAME: build build/NAME_fuzz, or skip when clang cannot link a
# libFuzzer target.
build_fuzzer() {
    command -v clang >/dev/null || skip "clang is not installed"
    echo 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){return 0;}' |
        clang -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null ||
        skip "clang cannot link -fsanitize=fuzzer (no libFuzzer)"
    run make -C "$TOP" -s "build/$1_fuzz"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "the request parsers survive 10 seconds of fuzzing from the seed corpus" {
    build_fuzzer wire
    cp -r "$TOP/fuzz/corpus" "$BATS_TEST_TMPDIR/corpus"
    run "$TOP/build/wire_fuzz" -max_total_time=10 -max_len=2048 \
        -artifact_prefix="$TOP/build/" "$BATS_TEST_TMPDIR/corpus"
    [ "$status" -eq 0 ] || echo "$output" | tail -30
    [ "$status" -eq 0 ]
}

@test "every seed request, good or bad, keeps the parsers' promises" {
    build_fuzzer wire
    run "$TOP/build/wire_fuzz" -runs=0 -artifact_prefix="$TOP/build/" \
        "$TOP/fuzz/corpus"
    [ "$status" -eq 0 ] || echo "$output" | tail -30
    [ "$status" -eq 0 ]
    [[ "$output" == *"INITED"* ]]
}

@test "the journal reader survives 10 seconds of fuzzing from its seeds" {
    build_fuzzer journal
    cp -r "$TOP/fuzz/journal-corpus" "$BATS_TEST_TMPDIR/corpus"
    run "$TOP/build/journal_fuzz" -max_total_time=10 -max_len=4096 \
        -artifact_prefix="$TOP/build/journal-" "$BATS_TEST_TMPDIR/corpus"
    [ "$status" -eq 0 ] || echo "$output" | tail -30
    [ "$status" -eq 0 ]
}

@test "every seed state file, torn or whole, keeps the journal reader's promises" {
    build_fuzzer journal
    run "$TOP/build/journal_fuzz" -runs=0 -artifact_prefix="$TOP/build/journal-" \
        "$TOP/fuzz/journal-corpus"
    [ "$status" -eq 0 ] || echo "$output" | tail -30
    [ "$status" -eq 0 ]
    [[ "$output" == *"INITED"* ]]
}

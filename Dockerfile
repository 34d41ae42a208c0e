# SPDX-License-Identifier: Apache-2.0
# portpicker in an image of one file: the static musl binary, FROM scratch,
# run as an unprivileged uid.
#   docker build -t portpicker .
#   docker run --rm --network host portpicker pick
# Sharing one host server with containers, as root or not: see "Containers"
# in docs/serve.md.

# The build stage's base, pinned by its point release: a rebuild gets the
# same compiler and musl until this line changes.
FROM debian:12.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev make musl-tools \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make clean && make CC=musl-gcc release && ./portpicker-release --version

FROM scratch
# The OCI image spec's annotations. The version is portpicker.h's
# PORTPICKER_VERSION (make version prints it); tests/version.bats fails
# when they differ.
LABEL org.opencontainers.image.title="portpicker" \
      org.opencontainers.image.description="Choose unique, free network ports; a port server for test runs" \
      org.opencontainers.image.version="0.2.0" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/portpicker/portpicker"
COPY --from=build /src/portpicker-release /portpicker
# nobody: the binary needs no file, home or privilege of its own. A scratch
# image has no /etc/passwd, so the uid is given as a number.
USER 65534:65534
ENTRYPOINT ["/portpicker"]
CMD ["--help"]

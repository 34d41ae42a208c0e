# SPDX-License-Identifier: Apache-2.0
# portpicker in an image of one file: the static musl binary, FROM scratch.
#   docker build -t portpicker .
#   docker run --rm --network host portpicker pick
# Sharing one host server with containers: see "Containers" in docs/serve.md.

FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev make musl-tools \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make clean && make CC=musl-gcc && strip portpicker && ./portpicker --version

FROM scratch
COPY --from=build /src/portpicker /portpicker
ENTRYPOINT ["/portpicker"]
CMD ["--help"]

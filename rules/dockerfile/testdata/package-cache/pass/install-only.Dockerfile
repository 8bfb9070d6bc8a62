FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/var/cache/apt apt-get install -y --no-install-recommends /tmp/local.deb

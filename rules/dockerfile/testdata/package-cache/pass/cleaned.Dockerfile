FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y gcc=4:12.2.0-3
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y git=1:2.39.5-0+deb12u1
RUN apk add --no-cache curl=8.9.1-r0
RUN pip install --no-cache-dir requests==2.32.3
RUN dnf install -y httpd-2.4.62 && dnf clean all

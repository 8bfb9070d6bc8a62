FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y gcc=4:12.2.0-3 make=4.3-4.1
FROM build
RUN rm -rf /var/lib/apt/lists/*

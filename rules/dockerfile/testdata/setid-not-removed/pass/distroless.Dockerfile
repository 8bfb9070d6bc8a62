FROM debian:bookworm-slim AS build
FROM gcr.io/distroless/static-debian12

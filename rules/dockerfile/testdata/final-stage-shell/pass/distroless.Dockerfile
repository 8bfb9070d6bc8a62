FROM debian:bookworm-slim AS build
FROM gcr.io/distroless/base-debian12:nonroot

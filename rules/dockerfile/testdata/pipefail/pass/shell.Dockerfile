FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/a.tar.gz | tar -xz -C /opt
FROM debian:bookworm-slim
RUN set -o pipefail && curl -fsSL https://example.com/a.tar.gz | tar -xz -C /opt
RUN ["/bin/sh", "-c", "a | b"]

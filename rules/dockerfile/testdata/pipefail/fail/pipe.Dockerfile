FROM debian:bookworm-slim
RUN curl -fsSL https://example.com/a.tar.gz | tar -xz -C /opt

FROM debian:bookworm-slim
RUN sh -c "$(curl -fsSL https://example.com/install.sh)"

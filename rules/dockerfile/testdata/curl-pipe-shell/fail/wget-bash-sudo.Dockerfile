FROM debian:bookworm-slim
RUN wget -qO- https://example.com/install.sh | sudo bash -s -- --yes

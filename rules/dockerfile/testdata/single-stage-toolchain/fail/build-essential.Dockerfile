FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y build-essential=12.9 && rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim
RUN curl -fsSLk https://example.com/a -o /a

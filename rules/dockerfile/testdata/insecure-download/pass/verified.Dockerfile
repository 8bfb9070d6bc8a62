FROM debian:bookworm-slim
ENV NODE_TLS_REJECT_UNAUTHORIZED=1
RUN curl -fsSL https://example.com/a -o /a && wget -q https://example.com/b && pip install --no-cache-dir -r requirements.txt

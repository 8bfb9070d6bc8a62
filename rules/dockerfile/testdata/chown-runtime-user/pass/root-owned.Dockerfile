FROM alpine:3.20
RUN adduser -D -u 10001 app
COPY . /app
COPY --chown=10001:10001 data /data-seed-is-another-user
USER app

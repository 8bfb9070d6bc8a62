FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r2
USER 10001
# Probing the container itself over its own self-signed certificate exposes nothing.
HEALTHCHECK CMD curl -fsSk https://localhost:8443/healthz || exit 1
HEALTHCHECK CMD ["wget", "--no-check-certificate", "-qO-", "https://127.0.0.1:8443/healthz"]
ENTRYPOINT ["/app/server"]

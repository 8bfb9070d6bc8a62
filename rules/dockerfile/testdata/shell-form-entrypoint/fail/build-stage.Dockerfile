# Hadolint DL3025 checks every stage: a stage can be built and run with --target.
FROM alpine:3.20 AS debug
CMD echo build only
FROM alpine:3.20
ENTRYPOINT ["/app/server", "--port", "8080"]

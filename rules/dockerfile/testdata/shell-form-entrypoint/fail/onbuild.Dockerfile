FROM alpine:3.20
ONBUILD CMD /app/server --port 8080
ENTRYPOINT ["/app/server"]

FROM alpine:3.20 AS build
CMD echo build only
FROM alpine:3.20
ENTRYPOINT ["/app/server", "--port", "8080"]

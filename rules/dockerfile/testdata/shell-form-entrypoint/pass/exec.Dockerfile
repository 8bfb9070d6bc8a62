FROM alpine:3.20 AS build
CMD ["echo", "build only"]
FROM alpine:3.20
ONBUILD CMD ["/app/server"]
ENTRYPOINT ["/app/server", "--port", "8080"]

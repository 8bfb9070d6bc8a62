FROM alpine:3.20 AS build
CMD ["a"]
FROM alpine:3.20
ENTRYPOINT ["/app"]
CMD ["--help"]

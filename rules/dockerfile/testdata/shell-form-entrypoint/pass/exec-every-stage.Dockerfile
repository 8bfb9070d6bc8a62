# syntax=docker/dockerfile:1
FROM golang:1.23 AS build
WORKDIR /src
RUN go build -o /out/server ./cmd/server
ENTRYPOINT ["/out/server"]
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
HEALTHCHECK CMD ["/server", "-probe"]
ENTRYPOINT ["/server"]
CMD ["--port=8080"]

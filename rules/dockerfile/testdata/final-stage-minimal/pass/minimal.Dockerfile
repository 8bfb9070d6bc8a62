FROM golang:1.23 AS build
RUN go build -o /app ./cmd/app
FROM alpine:3.20
COPY --from=build /app /app
